package io.tidepool.spring.boot.starter;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.PoolState;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/** The test application started on a random port against the test server, and what every test checks of it. */
record RunningApplication(ConfigurableApplicationContext context, WebTestClient client, String poolName) {

    static RunningApplication start() {
        String poolName = TestDatabase.uniqueApplicationName("starter");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(StarterApplication.class)
                .properties(Map.of("starter-test.database-url", TestDatabase.get().r2dbcUrl(""),
                        "starter-test.pool-name", poolName))
                .run("--server.port=0");
        int port = Objects.requireNonNull(context.getEnvironment().getProperty("local.server.port", Integer.class));
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(15)).build();
        return new RunningApplication(context, client, poolName);
    }

    /** The application's only ConnectionFactory is Tidepool's pool, configured by application.properties. */
    TidepoolPool checkTheConnectionFactoryIsTidepools() {
        Map<String, ConnectionFactory> factories = context.getBeansOfType(ConnectionFactory.class);
        assertThat(factories).hasSize(1);
        ConnectionFactory factory = factories.values().iterator().next();
        assertThat(factory).isInstanceOf(TidepoolPool.class);
        TidepoolPool pool = (TidepoolPool) factory;
        assertThat(pool.name()).isEqualTo(poolName);
        assertThat(pool.configuration().maxSize()).isEqualTo(5);
        assertThat(pool.configuration().minIdle()).isEqualTo(1);
        assertThat(pool.configuration().acquireTimeout()).isEqualTo(Duration.ofSeconds(3));
        // the keys left from r2dbc-pool were read as Tidepool's
        assertThat(pool.configuration().maxIdleTime()).contains(Duration.ofMinutes(5));
        assertThat(pool.configuration().initialSize()).isEqualTo(2);
        assertThat(pool.state()).as("started with the application").isEqualTo(PoolState.RUNNING);
        return pool;
    }

    /** Requests are served through the pool, over real HTTP. */
    void checkRequestsAreServed() {
        for (int i = 1; i <= 20; i++) {
            client.get().uri("/numbers/sum?upTo={n}", i).exchange().expectStatus().isOk()
                    .expectBody(Long.class).isEqualTo((long) i * (i + 1) / 2);
        }
    }

    /** The actuator has the pool's health, one component under "tidepool", and its meters. */
    @SuppressWarnings("unchecked")
    void checkHealthAndMetrics() {
        Map<String, Object> health = Objects.requireNonNull(client.get().uri("/actuator/health").exchange()
                .expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody());
        Map<String, Object> tidepool = (Map<String, Object>) ((Map<String, Object>) health.get("components"))
                .get("tidepool");
        assertThat(tidepool).as(String.valueOf(health)).containsEntry("status", "UP");
        Map<String, Object> pool = (Map<String, Object>) ((Map<String, Object>) tidepool.get("components"))
                .get(poolName);
        assertThat(pool).containsEntry("status", "UP");
        assertThat((Map<String, Object>) pool.get("details")).containsEntry("required", true)
                .containsEntry("max", 5).containsEntry("pool", poolName);

        String scrape = client.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(scrape).contains("db_client_connection_max_connections{db_client_connection_pool_name=\""
                + poolName + "\"} 5.0");
    }

    /** Closing the application closes the pool, and leaves no backend on the server. */
    void closeAndCheckNothingIsLeft(TidepoolPool pool) {
        context.close();
        assertThat(pool.state()).isEqualTo(PoolState.CLOSED);
        assertThat(pool.stats().allocated()).isZero();
        ServerChecks.awaitBackends(poolName, 0);
    }
}
