package io.tidepool.spring.boot.boot3;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.PoolState;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Spring Boot 3.5 application without r2dbc-pool on its class path (its own surefire execution, see the pom),
 * its spring.r2dbc.pool.* keys still set: Spring Boot 3 alone fails such a start with
 * MissingR2dbcPoolDependencyException; with Tidepool the keys are hidden from it and read as tidepool.*.
 */
@Timeout(120)
class Boot3ApplicationWithoutR2dbcPoolTests {

    @Test
    void leftoverPoolKeysWithoutR2dbcPoolAreReadAsTidepoolsAndTheApplicationStarts() {
        assertThatThrownBy(() -> Class.forName("io.r2dbc.pool.ConnectionPool"))
                .isInstanceOf(ClassNotFoundException.class);
        String poolName = TestDatabase.uniqueApplicationName("boot3-nopool");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(Boot3Application.class)
                .properties(Map.of("boot3-test.database-url", TestDatabase.get().r2dbcUrl(""),
                        "boot3-test.pool-name", poolName))
                .run("--server.port=0");
        TidepoolPool pool;
        try {
            pool = (TidepoolPool) context.getBean(ConnectionFactory.class);
            assertThat(pool.configuration().maxIdleTime()).contains(Duration.ofMinutes(5));
            assertThat(pool.configuration().initialSize()).isEqualTo(2);
            int port = Objects.requireNonNull(context.getEnvironment().getProperty("local.server.port", Integer.class));
            WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(15))
                    .build().get().uri("/numbers/sum?upTo=4").exchange().expectStatus().isOk()
                    .expectBody(Long.class).isEqualTo(10L);
        } catch (RuntimeException | AssertionError e) {
            context.close();
            throw e;
        }
        context.close();
        assertThat(pool.state()).isEqualTo(PoolState.CLOSED);
        ServerChecks.awaitBackends(poolName, 0);
    }
}
