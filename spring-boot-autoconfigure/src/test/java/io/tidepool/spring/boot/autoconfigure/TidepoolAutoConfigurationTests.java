package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.PoolState;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.Sql;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The auto-configured pool, with Spring Boot's own R2DBC auto-configuration present (which must back off), against
 * the test server.
 */
@Timeout(120)
class TidepoolAutoConfigurationTests {

    static final AutoConfigurations BOOT_AND_TIDEPOOL = AutoConfigurations.of(
            TidepoolSpringBootVersionCheck.class, TidepoolAutoConfiguration.class,
            TidepoolHealthAutoConfiguration.class, TidepoolMetricsAutoConfiguration.class,
            TidepoolLifecycleAutoConfiguration.class,
            org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration.class);

    /** As Spring Boot starts an application: the environment post-processor first (a runner does not run it). */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(context -> R2dbcPoolKeysEnvironmentPostProcessor.hide(context.getEnvironment()))
            .withConfiguration(BOOT_AND_TIDEPOOL);

    static String url() {
        return TestDatabase.get().r2dbcUrl("");
    }

    @Test
    void withR2dbcPoolOnTheClassPathTheConnectionFactoryIsTidepoolsStartedAndClosedWithTheContext() {
        String name = TestDatabase.uniqueApplicationName("boot-pool");
        AtomicReference<TidepoolPool> seen = new AtomicReference<>();
        runner.withPropertyValues("spring.r2dbc.url=" + url(), "tidepool.name=" + name, "tidepool.max-size=4",
                        "tidepool.min-idle=1", "tidepool.acquire-timeout=3s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(ConnectionPool.class).as("r2dbc-pool is on this class path").isNotNull();
                    assertThat(context).hasSingleBean(ConnectionFactory.class).doesNotHaveBean(ConnectionPool.class);
                    ConnectionFactory factory = context.getBean(ConnectionFactory.class);
                    assertThat(factory).isInstanceOf(TidepoolPool.class);
                    TidepoolPool pool = (TidepoolPool) factory;
                    seen.set(pool);
                    assertThat(pool.name()).isEqualTo(name);
                    assertThat(pool.configuration().maxSize()).isEqualTo(4);
                    assertThat(pool.configuration().acquireTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(pool.state()).as("started with the context").isEqualTo(PoolState.RUNNING);
                    assertThat(pool.withConnection(c -> Sql.queryOne(c, "SELECT 41 + 1", Integer.class))
                            .blockFirst(Duration.ofSeconds(10))).isEqualTo(42);
                    assertThat(TestDatabase.get().backends(name).total()).isPositive();
                });
        assertThat(seen.get().state()).as("closed with the context").isEqualTo(PoolState.CLOSED);
        await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.get().backends(name).total() == 0);
    }

    @Test
    void withoutR2dbcPoolLeftoverPoolKeysAreReadAsTidepoolsInsteadOfFailingTheStart() {
        String name = TestDatabase.uniqueApplicationName("boot-nopool");
        runner.withClassLoader(new FilteredClassLoader(ConnectionPool.class))
                .withPropertyValues("spring.r2dbc.url=" + url(), "tidepool.name=" + name,
                        "spring.r2dbc.pool.max-size=7", "spring.r2dbc.pool.initial-size=2",
                        "spring.r2dbc.pool.max-idle-time=5m", "spring.r2dbc.pool.max-acquire-time=4s",
                        "spring.r2dbc.pool.validation-depth=local", "spring.r2dbc.pool.enabled=true")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ConnectionFactory.class);
                    TidepoolPool pool = context.getBean(TidepoolPool.class);
                    assertThat(pool.configuration().maxSize()).isEqualTo(7);
                    assertThat(pool.configuration().initialSize()).isEqualTo(2);
                    assertThat(pool.configuration().maxIdleTime()).contains(Duration.ofMinutes(5));
                    assertThat(pool.configuration().acquireTimeout()).isEqualTo(Duration.ofSeconds(4));
                    assertThat(pool.configuration().validationDepth()).hasToString("LOCAL");
                    assertThat(pool.stats().allocated()).as("initial-size opened").isGreaterThanOrEqualTo(2);
                });
    }

    @Test
    void aMisspeltPoolOptionInTheUrlFailsTheStartNamingTheOptionItResembles() {
        runner.withPropertyValues("spring.r2dbc.url=" + TestDatabase.get().r2dbcUrl("acquireTimout=5s"))
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessage("option 'acquireTimout' is not known: did you mean 'acquireTimeout'?"));
    }

    @Test
    void withoutTheKeysHiddenSpringBootItselfWouldFailTheStart() {
        new ApplicationContextRunner().withConfiguration(BOOT_AND_TIDEPOOL)
                .withClassLoader(new FilteredClassLoader(ConnectionPool.class))
                .withPropertyValues("spring.r2dbc.url=" + url(), "spring.r2dbc.pool.max-size=7")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("io.r2dbc.pool.ConnectionPool class is not present"));
    }

    @Test
    void anR2dbcPoolUrlWithPoolKeysIsTidepoolsToo() {
        runner.withPropertyValues("spring.r2dbc.url=" + url().replace("r2dbc:", "r2dbc:pool:"),
                        "spring.r2dbc.pool.max-size=6", "tidepool.required=false")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ConnectionFactory.class)
                            .doesNotHaveBean(ConnectionPool.class);
                    assertThat(context.getBean(TidepoolPool.class).configuration().maxSize()).isEqualTo(6);
                });
    }

    @Test
    void poolKeysWithoutEquivalentOrInConflictFailTheStartNamingEachKeyAndWhatToDo() {
        runner.withPropertyValues("spring.r2dbc.url=" + url(),
                        "spring.r2dbc.pool.acquire-retry=2", "spring.r2dbc.pool.enabled=false",
                        "spring.r2dbc.pool.max-size=20", "tidepool.max-size=10")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable root = rootCause(context.getStartupFailure());
                    assertThat(root).isInstanceOf(IllegalStateException.class);
                    assertThat(root.getMessage())
                            .contains("spring.r2dbc.pool.max-size=20 disagrees with tidepool.max-size=10: remove"
                                    + " spring.r2dbc.pool.max-size")
                            .contains("spring.r2dbc.pool.acquire-retry=2 has no tidepool.* equivalent")
                            .contains("spring.r2dbc.pool.enabled=false")
                            .contains("tidepool.enabled=false")
                            .doesNotContain(TestDatabase.get().password());
                });
    }

    @Test
    void tidepoolPropertiesWinOverTheUrlsQueryAndDisabledTurnsAnOptionOff() {
        runner.withPropertyValues("spring.r2dbc.url=" + TestDatabase.get().r2dbcUrl("maxSize=3&maxIdleTime=1m"),
                        "tidepool.max-size=5", "tidepool.max-idle-time=disabled", "tidepool.required=false",
                        "tidepool.silence-timeout=45s", "tidepool.connection-init-sql=SET search_path TO public",
                        "tidepool.server-pooling=session")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    TidepoolPool pool = context.getBean(TidepoolPool.class);
                    assertThat(pool.configuration().maxSize()).isEqualTo(5);
                    assertThat(pool.configuration().maxIdleTime()).isEmpty();
                    assertThat(pool.configuration().silenceTimeout()).contains(Duration.ofSeconds(45));
                    assertThat(pool.configuration().connectionInitSql()).contains("SET search_path TO public");
                    assertThat(pool.configuration().serverPooling()).isEqualTo(io.tidepool.ServerPooling.SESSION);
                    assertThat(pool.state()).as("an optional pool is not started").isNotEqualTo(PoolState.RUNNING);
                });
    }

    @Test
    void credentialsAndDatabaseComeFromSpringR2dbcWhenTheUrlHasNone() {
        TestDatabase db = TestDatabase.get();
        String name = TestDatabase.uniqueApplicationName("boot-credentials");
        runner.withPropertyValues("spring.r2dbc.url=r2dbc:tidepool:postgresql://" + db.host() + ":" + db.port(),
                        "spring.r2dbc.username=" + db.user(), "spring.r2dbc.password=" + db.password(),
                        "spring.r2dbc.name=" + db.database(), "spring.r2dbc.properties.applicationName=" + name)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    TidepoolPool pool = context.getBean(TidepoolPool.class);
                    assertThat(pool.withConnection(c -> Sql.queryOne(c, "SELECT current_database()", String.class))
                            .blockFirst(Duration.ofSeconds(10))).isEqualTo(db.database());
                    assertThat(db.backends(name).total()).isPositive();
                });
    }

    /** What Testcontainers' {@code @ServiceConnection} or Docker Compose declares: the database, with no URL property. */
    @Configuration(proxyBeanMethods = false)
    static class ServiceConnection {

        @Bean
        org.springframework.boot.r2dbc.autoconfigure.R2dbcConnectionDetails r2dbcConnectionDetails() {
            return () -> io.r2dbc.spi.ConnectionFactoryOptions.parse(url());
        }
    }

    @Test
    void aServiceConnectionWithoutAnyUrlGetsTidepoolsPoolAndItsPoolKeysRead() {
        String name = TestDatabase.uniqueApplicationName("boot-service-connection");
        runner.withClassLoader(new FilteredClassLoader(ConnectionPool.class))
                .withUserConfiguration(ServiceConnection.class)
                .withPropertyValues("tidepool.name=" + name, "spring.r2dbc.pool.max-size=3")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ConnectionFactory.class);
                    TidepoolPool pool = context.getBean(TidepoolPool.class);
                    assertThat(pool.configuration().maxSize()).isEqualTo(3);
                    assertThat(pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class))
                            .blockFirst(Duration.ofSeconds(10))).isEqualTo(1);
                    assertThat(TestDatabase.get().backends(name).total()).isPositive();
                });
    }

    @Test
    void aBadValueFailsTheStartNamingTheOptionAndHidingThePassword() {
        runner.withPropertyValues("spring.r2dbc.url=" + url(), "tidepool.max-size=0")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable root = rootCause(context.getStartupFailure());
                    assertThat(root).hasMessage("maxSize must be at least 1, was 0");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnFactory {

        @Bean(destroyMethod = "close")
        TidepoolPool ordersPool() {
            return TidepoolPool.builder().url(url()).name(TestDatabase.uniqueApplicationName("own")).buildPool();
        }
    }

    @Test
    void anApplicationsOwnConnectionFactoryIsLeftAlone() {
        runner.withUserConfiguration(OwnFactory.class).withPropertyValues("spring.r2dbc.url=" + url())
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ConnectionFactory.class).hasBean("ordersPool")
                            .doesNotHaveBean("connectionFactory");
                });
    }

    @Test
    void tidepoolEnabledFalseLeavesTheConnectionFactoryToSpringBoot() {
        runner.withPropertyValues("spring.r2dbc.url=" + url(), "tidepool.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ConnectionFactory.class)
                            .doesNotHaveBean(TidepoolPool.class).hasSingleBean(ConnectionPool.class);
                });
    }

    @Test
    void withoutAUrlNothingIsConfigured() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TidepoolAutoConfiguration.class,
                TidepoolHealthAutoConfiguration.class, TidepoolLifecycleAutoConfiguration.class)).run(context -> {
            assertThat(context).doesNotHaveBean(TidepoolPool.class);
            assertThat(context).doesNotHaveBean(TidepoolProperties.class);
        });
    }

    static Throwable rootCause(Throwable error) {
        Throwable current = error;
        while (current.getCause() != null && current.getCause() != current) {
            current = current.getCause();
        }
        return current;
    }
}
