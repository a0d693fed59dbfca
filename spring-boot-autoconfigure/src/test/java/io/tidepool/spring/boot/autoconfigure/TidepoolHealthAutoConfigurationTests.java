package io.tidepool.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.Wrapped;
import io.tidepool.PoolState;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.micrometer.TidepoolMeters;
import io.tidepool.registry.PoolRegistry;
import io.tidepool.registry.RegistryState;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Publisher;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(120)
class TidepoolHealthAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TidepoolAutoConfiguration.class,
                    TidepoolHealthAutoConfiguration.class, TidepoolMetricsAutoConfiguration.class,
                    TidepoolLifecycleAutoConfiguration.class));

    @Configuration(proxyBeanMethods = false)
    static class Application {

        @Bean(destroyMethod = "")
        TidepoolPool ordersPool() {
            return HealthTestPools.builder("spring-orders").buildPool();
        }

        @Bean
        HealthThresholds healthThresholds() {
            return HealthTestPools.patient();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Meters {

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    static Health health(TidepoolHealthContributor contributor, String pool) {
        Health health = ((ReactiveHealthIndicator) contributor.getContributor(pool)).health()
                .block(Duration.ofSeconds(15));
        assertThat(health).isNotNull();
        return health;
    }

    @Test
    void aSpringApplicationWithAPoolGetsOneHealthIndicatorPerPoolAndAMeterBinder() {
        AtomicReference<TidepoolPool> seen = new AtomicReference<>();
        MeterRegistry registry = new SimpleMeterRegistry();
        runner.withUserConfiguration(Application.class, Meters.class).run(context -> {
            assertThat(context).hasNotFailed();
            TidepoolPool pool = context.getBean(TidepoolPool.class);
            seen.set(pool);
            TidepoolHealthContributor contributor = context.getBean("tidepoolHealthContributor",
                    TidepoolHealthContributor.class);
            assertThat(contributor.stream().map(e -> e.name()).toList()).containsExactly(pool.name());
            Health health = health(contributor, pool.name());
            assertThat(health.getStatus()).as(String.valueOf(health.getDetails())).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("pool", pool.name()).containsEntry("status", "UP")
                    .containsEntry("required", true).containsKeys("used", "idle", "max", "pending");

            context.getBean(TidepoolPoolsMeterBinder.class).bindTo(registry);
            assertThat(registry.find("db.client.connection.max").tag(TidepoolMeters.POOL_NAME, pool.name())
                    .gauge()).isNotNull();
            // the meters read the server's connections from the health component's check, which just probed it
            double share = registry.get(TidepoolMeters.SERVER_SHARE.meterName())
                    .tag(TidepoolMeters.POOL_NAME, pool.name()).gauge().value();
            assertThat(share).isGreaterThan(0).isLessThanOrEqualTo(1);
            assertThat(registry.get(TidepoolMeters.SERVER_HEADROOM.meterName())
                    .tag(TidepoolMeters.POOL_NAME, pool.name()).gauge().value()).isPositive();
        });
        // closing the context closed the binder: its meters are gone
        assertThat(registry.getMeters()).isEmpty();
        // a pool that is a bean is its declarer's to close (here destroyMethod = "": as a registry's pool is)
        assertThat(seen.get().state()).isNotEqualTo(PoolState.CLOSED);
        seen.get().close().block(Duration.ofSeconds(30));
    }

    @Test
    void theHealthIndicatorCanBeSwitchedOffAndMetricsNeedAMeterRegistry() {
        AtomicReference<TidepoolPool> seen = new AtomicReference<>();
        runner.withUserConfiguration(Application.class).withPropertyValues("management.health.tidepool.enabled=false")
                .run(context -> {
                    seen.set(context.getBean(TidepoolPool.class));
                    assertThat(context).hasNotFailed().doesNotHaveBean(TidepoolHealthContributor.class)
                            .doesNotHaveBean(TidepoolPoolsMeterBinder.class);
                });
        seen.get().close().block(Duration.ofSeconds(30));
    }

    @Test
    void anOptionalAutoConfiguredPoolThatIsDownIsMarkedAndDoesNotTakeTheApplicationDown() {
        String name = TestDatabase.uniqueApplicationName("optional-down");
        String unreachable = HealthTestPools.unreachable("x").build().target();
        runner.withUserConfiguration(Meters.class)
                .withBean(HealthThresholds.class, HealthTestPools::patient)
                .withPropertyValues("spring.r2dbc.url=r2dbc:postgresql://nobody:secret@" + unreachable + "/db",
                        "tidepool.name=" + name, "tidepool.required=false", "tidepool.acquire-timeout=2s",
                        "tidepool.create-timeout=1s")
                .run(context -> {
                    assertThat(context).as("the start does not need an optional pool's database").hasNotFailed();
                    Health health = health(context.getBean(TidepoolHealthContributor.class), name);
                    assertThat(health.getStatus()).as(String.valueOf(health.getDetails()))
                            .isEqualTo(TidepoolHealthIndicator.DEGRADED);
                    assertThat(health.getDetails()).containsEntry("status", "DOWN").containsEntry("required", false);
                    assertThat(String.valueOf(health.getDetails())).doesNotContain("secret");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {

        @Bean
        PoolRegistry poolRegistry() {
            return PoolRegistry.builder()
                    .required(HealthTestPools.builder("registry-main").build())
                    .optional(HealthTestPools.unreachable("registry-reports").createTimeout(Duration.ofSeconds(1))
                            .build())
                    .stopTimeout(Duration.ofSeconds(20))
                    .build();
        }

        @Bean
        HealthThresholds healthThresholds() {
            return HealthTestPools.patient();
        }
    }

    @Test
    void aRegistryIsStartedAndStoppedWithTheContextAndItsPoolsHaveHealthMarkedRequiredOrOptional() {
        AtomicReference<PoolRegistry> seen = new AtomicReference<>();
        runner.withUserConfiguration(Registry.class, Meters.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(PoolRegistryLifecycle.class);
            PoolRegistry registry = context.getBean(PoolRegistry.class);
            seen.set(registry);
            assertThat(registry.state()).as("started with the context: the optional pool is down")
                    .isEqualTo(RegistryState.DEGRADED);
            TidepoolHealthContributor contributor = context.getBean(TidepoolHealthContributor.class);
            List<String> names = registry.names();
            assertThat(contributor.stream().map(e -> e.name()).toList()).containsExactlyElementsOf(names);
            Health main = health(contributor, names.get(0));
            assertThat(main.getStatus()).as(String.valueOf(main.getDetails())).isEqualTo(Status.UP);
            assertThat(main.getDetails()).containsEntry("required", true);
            Health reports = health(contributor, names.get(1));
            assertThat(reports.getDetails()).containsEntry("required", false).containsEntry("status", "DOWN");
            assertThat(reports.getStatus()).isEqualTo(TidepoolHealthIndicator.DEGRADED);
        });
        assertThat(seen.get().state()).as("stopped with the context").isEqualTo(RegistryState.STOPPED);
        String main = seen.get().names().get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.get().backends(main).total() == 0);
    }

    /** What Spring Boot declares for {@code spring.r2dbc.url}: a {@code ConnectionFactory} wrapping the driver's. */
    @Configuration(proxyBeanMethods = false)
    static class BootBuiltFactory {

        @Bean
        ConnectionFactory connectionFactory(Environment environment) {
            ConnectionFactory pool = ConnectionFactories.get(environment.getRequiredProperty("spring.r2dbc.url"));
            return new BootLikeWrapper(pool);
        }

        @Bean
        HealthThresholds healthThresholds() {
            return HealthTestPools.patient();
        }
    }

    /** Like Spring Boot's {@code OptionsCapableConnectionFactory}: a wrapper with no {@code close()}. */
    record BootLikeWrapper(ConnectionFactory delegate) implements ConnectionFactory, Wrapped<ConnectionFactory> {

        @Override
        public Publisher<? extends Connection> create() {
            return delegate.create();
        }

        @Override
        public ConnectionFactoryMetadata getMetadata() {
            return delegate.getMetadata();
        }

        @Override
        public ConnectionFactory unwrap() {
            return delegate;
        }
    }

    @Test
    void aPoolSpringBootBuiltFromATidepoolUrlIsCheckedMeteredAndClosedWithTheContext() {
        String name = TestDatabase.uniqueApplicationName("spring-url");
        String url = HealthTestPools.tidepoolUrl(name);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicReference<TidepoolPool> seen = new AtomicReference<>();
        runner.withUserConfiguration(BootBuiltFactory.class, Meters.class)
                .withPropertyValues("spring.r2dbc.url=" + url, "tidepool.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    TidepoolPool pool = (TidepoolPool) ((BootLikeWrapper) context.getBean(ConnectionFactory.class))
                            .unwrap();
                    seen.set(pool);
                    assertThat(context.getBeansOfType(TidepoolPool.class)).as("no bean has the pool's type").isEmpty();

                    TidepoolHealthContributor contributor = context.getBean(TidepoolHealthContributor.class);
                    assertThat(contributor.stream().map(e -> e.name()).toList()).containsExactly(name);
                    Health health = health(contributor, name);
                    assertThat(health.getStatus()).as(String.valueOf(health.getDetails())).isEqualTo(Status.UP);

                    context.getBean(TidepoolPoolsMeterBinder.class).bindTo(registry);
                    assertThat(registry.find("db.client.connection.max").tag(TidepoolMeters.POOL_NAME, name).gauge())
                            .isNotNull();
                });
        assertThat(registry.getMeters()).isEmpty();
        // no destroy method reaches a pool behind Boot's wrapper: the auto-configuration closed it
        assertThat(seen.get().state()).isEqualTo(PoolState.CLOSED);
        assertThat(seen.get().stats().allocated()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.get().backends(name).total() == 0);
    }

    @Test
    void withoutAPoolNothingIsAdded() {
        runner.withUserConfiguration(Meters.class).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(TidepoolHealthContributor.class)
                    .doesNotHaveBean(TidepoolPoolsMeterBinder.class).doesNotHaveBean(PoolRegistryLifecycle.class);
        });
    }

    @Test
    void theAutoConfigurationsAreListedForSpringBoot() throws Exception {
        assertThat(DashboardResources.read(
                "/META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports").lines().toList())
                .containsExactly(TidepoolSpringBootVersionCheck.class.getName(),
                        TidepoolAutoConfiguration.class.getName(), TidepoolHealthAutoConfiguration.class.getName(),
                        TidepoolMetricsAutoConfiguration.class.getName(),
                        TidepoolLifecycleAutoConfiguration.class.getName(),
                        TidepoolBoot3HealthAutoConfiguration.class.getName());
    }

    @Test
    void thePropertiesHaveGeneratedMetadata() throws Exception {
        String metadata = DashboardResources.read("/META-INF/spring-configuration-metadata.json");
        for (String key : List.of("tidepool.enabled", "tidepool.required", "tidepool.name", "tidepool.max-size",
                "tidepool.acquire-timeout", "tidepool.validation-depth", "tidepool.leak-detection-threshold",
                "management.health.tidepool.enabled")) {
            assertThat(metadata).contains("\"name\": \"" + key + "\"");
        }
    }
}
