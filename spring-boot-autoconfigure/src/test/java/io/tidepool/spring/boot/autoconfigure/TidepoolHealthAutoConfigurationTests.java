package io.tidepool.spring.boot.autoconfigure;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.Wrapped;
import io.tidepool.PoolState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidepool.TidepoolPool;
import io.tidepool.health.test.DashboardResources;
import io.tidepool.health.test.HealthTestPools;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.micrometer.TidepoolMeters;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Publisher;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class TidepoolHealthAutoConfigurationTests {

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

    @Test
    void aSpringApplicationWithAPoolGetsAHealthIndicatorAndAMeterBinder() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TidepoolPool pool;
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.register(Application.class, TidepoolHealthAutoConfiguration.class);
            context.refresh();
            pool = context.getBean(TidepoolPool.class);

            ReactiveHealthIndicator indicator = context.getBean(ReactiveHealthIndicator.class);
            Health health = indicator.health().block(Duration.ofSeconds(10));
            assertThat(health).isNotNull();
            assertThat(health.getStatus()).as(String.valueOf(health.getDetails())).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsKey(pool.name());
            @SuppressWarnings("unchecked")
            Map<String, Object> details = (Map<String, Object>) health.getDetails().get(pool.name());
            assertThat(details).containsEntry("status", "UP").containsEntry("required", true);

            context.getBean(MeterBinder.class).bindTo(registry);
            assertThat(registry.find("db.client.connection.max").gauge()).isNotNull();
        }
        // closing the context closed the binder: its meters are gone
        assertThat(registry.getMeters()).isEmpty();
        // a pool that is a bean is its declarer's to close (here destroyMethod = "": as a registry's pool is)
        assertThat(pool.state()).isNotEqualTo(PoolState.CLOSED);
        pool.close().block(Duration.ofSeconds(30));
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
        TidepoolPool pool;
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.getEnvironment().getPropertySources()
                    .addFirst(new MapPropertySource("test", Map.of("spring.r2dbc.url", url)));
            context.register(BootBuiltFactory.class, TidepoolHealthAutoConfiguration.class);
            context.refresh();
            pool = (TidepoolPool) ((BootLikeWrapper) context.getBean(ConnectionFactory.class)).unwrap();
            assertThat(context.getBeansOfType(TidepoolPool.class)).as("no bean has the pool's type").isEmpty();

            Health health = context.getBean(ReactiveHealthIndicator.class).health().block(Duration.ofSeconds(10));
            assertThat(health).isNotNull();
            assertThat(health.getStatus()).as(String.valueOf(health.getDetails())).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsOnlyKeys(name);

            context.getBean(MeterBinder.class).bindTo(registry);
            assertThat(registry.find("db.client.connection.max").tag(TidepoolMeters.POOL_NAME, name).gauge())
                    .isNotNull();
        }
        assertThat(registry.getMeters()).isEmpty();
        // no destroy method reaches a pool behind Boot's wrapper: the auto-configuration closed it
        assertThat(pool.state()).isEqualTo(PoolState.CLOSED);
        assertThat(pool.stats().allocated()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.get().backends(name).total() == 0);
    }

    @Test
    void withoutAPoolNothingIsAdded() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.register(TidepoolHealthAutoConfiguration.class);
            context.refresh();

            assertThat(context.getBeansOfType(ReactiveHealthIndicator.class)).isEmpty();
            assertThat(context.getBeansOfType(MeterBinder.class)).isEmpty();
        }
    }

    @Test
    void theAutoConfigurationIsListedForSpringBoot() throws Exception {
        assertThat(DashboardResources.read(
                "/META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports"))
                .contains(TidepoolHealthAutoConfiguration.class.getName());
    }
}
