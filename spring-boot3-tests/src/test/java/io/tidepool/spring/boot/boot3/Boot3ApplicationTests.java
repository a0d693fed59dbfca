package io.tidepool.spring.boot.boot3;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.PoolState;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application on Spring Boot 3.5 with Tidepool's auto-configuration, its health and core, and
 * application.properties only, on real HTTP and a real PostgreSQL. Spring Boot 3's spring-boot-starter-data-r2dbc
 * puts r2dbc-pool on the class path: Spring Boot alone would wrap the URL's factory in an r2dbc-pool (a pool of pools),
 * and build that pool from the spring.r2dbc.pool.* keys.
 */
@Timeout(120)
class Boot3ApplicationTests {

    @Test
    @SuppressWarnings("unchecked")
    void onSpringBoot35TheConnectionFactoryIsTidepoolsWithHealthAndMetricsAndNothingIsLeftOpen() throws Exception {
        assertThat(SpringBootVersion.getVersion()).startsWith("3.5.");
        Class<?> connectionPool = Class.forName("io.r2dbc.pool.ConnectionPool");
        String poolName = TestDatabase.uniqueApplicationName("boot3");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(Boot3Application.class)
                .properties(Map.of("boot3-test.database-url", TestDatabase.get().r2dbcUrl(""),
                        "boot3-test.pool-name", poolName))
                .run("--server.port=0");
        TidepoolPool pool;
        try {
            Map<String, ConnectionFactory> factories = context.getBeansOfType(ConnectionFactory.class);
            assertThat(factories).hasSize(1);
            assertThat(context.getBeansOfType(connectionPool)).as("no r2dbc-pool ConnectionPool").isEmpty();
            assertThat(factories.values().iterator().next()).isInstanceOf(TidepoolPool.class);
            pool = (TidepoolPool) factories.values().iterator().next();
            assertThat(pool.name()).isEqualTo(poolName);
            assertThat(pool.configuration().maxSize()).isEqualTo(5);
            assertThat(pool.configuration().maxIdleTime()).contains(Duration.ofMinutes(5));
            assertThat(pool.configuration().initialSize()).isEqualTo(2);
            assertThat(pool.state()).isEqualTo(PoolState.RUNNING);

            int port = Objects.requireNonNull(context.getEnvironment().getProperty("local.server.port", Integer.class));
            WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                    .responseTimeout(Duration.ofSeconds(15)).build();
            for (int i = 1; i <= 20; i++) {
                client.get().uri("/numbers/sum?upTo={n}", i).exchange().expectStatus().isOk()
                        .expectBody(Long.class).isEqualTo((long) i * (i + 1) / 2);
            }

            Map<String, Object> health = Objects.requireNonNull(client.get().uri("/actuator/health").exchange()
                    .expectStatus().isOk()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                    .returnResult().getResponseBody());
            Map<String, Object> tidepool = (Map<String, Object>) ((Map<String, Object>) health.get("components"))
                    .get("tidepool");
            assertThat(tidepool).as(String.valueOf(health)).containsEntry("status", "UP");
            Map<String, Object> member = (Map<String, Object>) ((Map<String, Object>) tidepool.get("components"))
                    .get(poolName);
            assertThat(member).containsEntry("status", "UP");
            assertThat((Map<String, Object>) member.get("details")).containsEntry("required", true)
                    .containsEntry("max", 5).containsEntry("pool", poolName);

            assertThat(measurements(client, "db.client.connection.max", poolName)).containsExactly(5.0);
            // the health probe above read the server: the pool's share of max_connections, from the same check
            assertThat(measurements(client, "tidepool.connection.server.share", poolName)).singleElement()
                    .satisfies(value -> assertThat(value).isGreaterThan(0).isLessThanOrEqualTo(1));
            assertThat(TestDatabase.get().backends(poolName).total()).isBetween(1, 5);
        } catch (RuntimeException | AssertionError e) {
            context.close();
            throw e;
        }
        context.close();
        assertThat(pool.state()).isEqualTo(PoolState.CLOSED);
        ServerChecks.awaitBackends(poolName, 0);
    }

    /** The values of one meter of the pool, as {@code /actuator/metrics} reports them. */
    @SuppressWarnings("unchecked")
    private static List<Double> measurements(WebTestClient client, String meter, String poolName) {
        Map<String, Object> body = Objects.requireNonNull(client.get()
                .uri("/actuator/metrics/{meter}?tag=db.client.connection.pool.name:{name}", meter, poolName)
                .exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody());
        return ((List<Map<String, Object>>) body.get("measurements")).stream()
                .map(m -> ((Number) m.get("value")).doubleValue()).toList();
    }
}
