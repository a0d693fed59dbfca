package io.tidepool.health.http;

import io.tidepool.testing.MiniJson;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.r2dbc.spi.Connection;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthAggregate;
import io.tidepool.health.HealthAggregate.Entry;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.health.micrometer.TidepoolMeterBinder;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class HealthServerTests {

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<Reply> replies = new ArrayList<>();

    /** What a test got back over HTTP. */
    record Reply(int status, String contentType, String body) {
    }

    @AfterEach
    void scanEveryOutputAndCleanUp() throws Exception {
        TestDatabase db = TestDatabase.get();
        for (Reply reply : replies) {
            assertThat(reply.body()).as("a response body")
                    .doesNotContain(HealthTestPools.PASSWORD)
                    .doesNotContain(HealthTestPools.url(db.host(), db.port()))
                    .doesNotContain("://");
            if (!db.password().equals(db.user())) {
                // a test server with a distinctive password of its own: it must not show either
                assertThat(reply.body()).as("a response body").doesNotContain(db.password());
            }
        }
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    @Test
    void aHealthyPoolIsUpReadyAliveAndMeasured() {
        TidepoolPool pool = pool(HealthTestPools.builder("http-up").buildPool());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool);
        binder.bindTo(registry);
        cleanup.add(binder);
        HealthServer.Running server = start(HealthServer.builder(HealthAggregate.of(List.of(
                Entry.required(check(pool))))).port(0).prometheus(registry));

        assertThat(server.host()).isEqualTo("127.0.0.1");
        assertThat(server.port()).isPositive();

        Reply health = get(server, "/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.contentType()).isEqualTo("application/json");
        Map<String, Object> json = json(health);
        assertThat(json).containsEntry("status", "UP").containsEntry("ready", true);
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) json.get("pools")).get(0);
        assertThat(first).containsEntry("name", pool.name()).containsEntry("required", true)
                .containsEntry("status", "UP").containsKeys("probe", "connections", "window", "server", "leaks");

        Reply ready = get(server, "/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(json(ready)).containsEntry("status", "UP").containsEntry("ready", true);

        Reply live = get(server, "/health/live");
        assertThat(live.status()).isEqualTo(200);
        assertThat(json(live)).containsEntry("status", "UP");

        Reply metrics = get(server, "/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.body())
                .contains("db_client_connection_count_connections{db_client_connection_pool_name=\"" + pool.name()
                        + "\",db_client_connection_state=\"idle\"}")
                .contains("# HELP db_client_connection_wait_time_seconds")
                .contains("tidepool_connection_errors_total{category=\"connection\"");

        assertThat(get(server, "/nothing-here").status()).isEqualTo(404);
    }

    @Test
    void aDatabaseOutageMakesTheServiceNotReadyButStillAlive() {
        TidepoolPool down = pool(HealthTestPools.unreachable("http-outage").buildPool());
        TidepoolPool up = pool(HealthTestPools.builder("http-outage-ok").buildPool());
        HealthServer.Running server = start(HealthServer.builder(HealthAggregate.of(List.of(
                Entry.required(check(down)), Entry.required(check(up))))).port(0));

        Reply health = get(server, "/health");
        assertThat(health.status()).isEqualTo(503);
        Map<String, Object> json = json(health);
        assertThat(json).containsEntry("status", "DOWN").containsEntry("ready", false);
        assertThat(health.body()).contains("\"reasons\":[\"probe_failed\"]").contains("\"category\":\"connection\"")
                .contains("\"lastError\"");

        Reply ready = get(server, "/health/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(json(ready)).containsEntry("status", "DOWN");

        assertThat(get(server, "/health/live").status()).isEqualTo(200);
        assertThat(get(server, "/metrics").status()).as("no Prometheus registry given").isEqualTo(404);
    }

    @Test
    void anOptionalPoolThatIsDownOnlyDegradesTheService() {
        TidepoolPool down = pool(HealthTestPools.unreachable("http-optional").buildPool());
        TidepoolPool up = pool(HealthTestPools.builder("http-required").buildPool());
        HealthServer.Running server = start(HealthServer.builder(HealthAggregate.of(Map.of(
                check(down), false, check(up), true))).port(0));

        Reply health = get(server, "/health");

        assertThat(health.status()).isEqualTo(200);
        assertThat(json(health)).containsEntry("status", "DEGRADED").containsEntry("ready", true);
        assertThat(get(server, "/health/ready").status()).isEqualTo(200);
    }

    @Test
    void aSaturatedPoolIsDegradedNotDown() {
        TidepoolPool pool = pool(HealthTestPools.builder("http-saturated").maxSize(1).buildPool());
        PoolHealthCheck check = PoolHealthCheck.builder(pool)
                .thresholds(HealthThresholds.builder().probeTimeout(Duration.ofMillis(300)).build()).build();
        cleanup.add(check);
        HealthServer.Running server = start(HealthServer.builder(HealthAggregate.of(List.of(Entry.required(check))))
                .port(0));
        Connection held = Mono.from(pool.create()).block(Duration.ofSeconds(10));
        assertThat(held).isNotNull();
        try {
            Reply health = get(server, "/health");

            assertThat(health.status()).isEqualTo(200);
            assertThat(json(health)).containsEntry("status", "DEGRADED");
            assertThat(health.body()).contains("\"reasons\":[\"saturated\"]").contains("\"outcome\":\"timed_out\"")
                    .contains("\"used\":1").contains("\"max\":1");
            assertThat(get(server, "/health/ready").status()).isEqualTo(200);
        } finally {
            Mono.from(held.close()).block(Duration.ofSeconds(10));
        }
    }

    @Test
    void aStoppedServerNoLongerAnswers() {
        TidepoolPool pool = pool(HealthTestPools.builder("http-stop").buildPool());
        HealthServer.Running server = HealthServer.builder(HealthAggregate.of(List.of(Entry.required(check(pool)))))
                .port(0).build().start().block(Duration.ofSeconds(10));
        assertThat(server).isNotNull();
        assertThat(get(server, "/health/live").status()).isEqualTo(200);

        server.stop().block(Duration.ofSeconds(10));
        server.stop().block(Duration.ofSeconds(10));

        assertThatThrownBy(() -> get(server, "/health/live")).isNotNull();
    }

    @Test
    void optionsAreChecked() {
        HealthServer.Builder builder = HealthServer.builder(HealthAggregate.of(List.of()));
        assertThatThrownBy(() -> builder.port(65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be 0 to 65535, was 65536");
        assertThatThrownBy(() -> builder.host(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("host must not be blank");
    }

    private TidepoolPool pool(TidepoolPool pool) {
        cleanup.add(() -> pool.close().block(Duration.ofSeconds(30)));
        return pool;
    }

    private PoolHealthCheck check(TidepoolPool pool) {
        PoolHealthCheck check = HealthTestPools.check(pool);
        cleanup.add(check);
        return check;
    }

    private HealthServer.Running start(HealthServer.Builder builder) {
        HealthServer.Running server = builder.build().start().block(Duration.ofSeconds(10));
        assertThat(server).isNotNull();
        cleanup.add(() -> server.stop().block(Duration.ofSeconds(10)));
        return server;
    }

    private Reply get(HealthServer.Running server, String path) {
        Reply reply = HttpClient.create()
                .baseUrl("http://127.0.0.1:" + server.port())
                .get().uri(path)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .map(text -> new Reply(response.status().code(),
                                String.valueOf(response.responseHeaders().get("content-type")), text)))
                .block(Duration.ofSeconds(15));
        assertThat(reply).isNotNull();
        replies.add(reply);
        return reply;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Reply reply) {
        return (Map<String, Object>) MiniJson.parse(reply.body());
    }
}
