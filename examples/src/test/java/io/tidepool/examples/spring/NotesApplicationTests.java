package io.tidepool.examples.spring;

import io.tidepool.PoolState;
import io.tidepool.stats.PoolStats;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.spring.boot.autoconfigure.TidepoolHealthContributor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The example application on real HTTP (a random port) and a real PostgreSQL: the API, the actuator's health and
 * Prometheus endpoints, and no connection left on the server once the application context is closed; and the same
 * for the pool Tidepool's auto-configuration builds from a {@code r2dbc:tidepool:} URL alone.
 */
@Timeout(60)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotesApplicationTests {

    /** In the URL the application is given: it must never come back in anything the application serves. */
    private static final String PASSWORD = "pw-that-must-not-leak-4f1c";

    /** The pool's name, given in the URL's query: it overrides the application's default, as any option there. */
    private static final String POOL = "notes-web-tested";

    private static EmbeddedPostgres server;
    private static Running app;

    /** A started application: its context, a client for its port, and its pool. */
    private record Running(ConfigurableApplicationContext context, WebTestClient client, TidepoolPool pool) {

        static Running start(String poolName) {
            // trust authentication: the server never asks for the password, but the pool is configured with it;
            // the pool's name comes through the URL's query, as any pool option may
            // -Dtidepool.test.client=native runs it on Tidepool's own protocol client
            String url = TestDatabase.withTestClient("r2dbc:postgresql://postgres:" + PASSWORD + "@127.0.0.1:"
                    + server.getPort() + "/postgres?name=" + poolName);
            ConfigurableApplicationContext context = NotesApplication.application(null)
                    .run("--server.port=0", "--spring.r2dbc.url=" + url);
            int port = Objects.requireNonNull(context.getEnvironment().getProperty("local.server.port", Integer.class));
            WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                    .responseTimeout(Duration.ofSeconds(10)).build();
            TidepoolPool pool = context.getBean(TidepoolPool.class);
            String expected = System.getProperty(TestDatabase.CLIENT_PROPERTY, "");
            assertThat(pool.configuration().client().urlValue()).as("protocol client")
                    .isEqualTo(expected.isBlank() ? "r2dbc-postgresql" : expected);
            return new Running(context, client, pool);
        }

        /**
         * Closes the application, then checks twice that nothing is left: the pool's counters are back to nothing
         * open, nothing borrowed and as many closes as opens, and the server has no backend of the pool.
         */
        void closeAndCheckNothingIsLeft() throws SQLException {
            String name = pool.name();
            context.close();

            assertThat(pool.state()).as("Spring closed the pool and waited for it").isEqualTo(PoolState.CLOSED);
            PoolStats stats = pool.stats();
            assertThat(stats.allocated()).as(stats.toString()).isZero();
            assertThat(stats.acquired()).as(stats.toString()).isZero();
            assertThat(stats.idle()).as(stats.toString()).isZero();
            assertThat(stats.pending()).as(stats.toString()).isZero();
            assertThat(stats.destroys()).as(stats.toString()).isEqualTo(stats.creates());
            // the server ends a backend a moment after its client said goodbye
            await().atMost(Duration.ofSeconds(10)).until(() -> backends(name) == 0);
        }
    }

    @BeforeAll
    static void start() throws IOException {
        server = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60)).start();
        app = Running.start(POOL);
    }

    @AfterAll
    static void stop() throws IOException, SQLException {
        try {
            if (app != null && app.context().isActive()) {   // when the closing test was not run
                app.closeAndCheckNothingIsLeft();
            }
        } finally {
            server.close();
        }
    }

    @Test
    void aNoteIsCreatedThenShownAndListed() {
        Note created = post(Map.of("title", "Pool lifecycle", "body", "close the pool on every path",
                "tags", List.of("reactor", "lifecycle", "reactor")))
                .expectStatus().isCreated()
                .expectHeader().value("Location", location -> assertThat(location).matches(".*/notes/\\d+"))
                .expectBody(Note.class).returnResult().getResponseBody();
        assertThat(created).isNotNull();
        assertThat(created.title()).isEqualTo("Pool lifecycle");
        assertThat(created.body()).isEqualTo("close the pool on every path");
        assertThat(created.tags()).containsExactly("lifecycle", "reactor");
        assertThat(created.createdAt()).isNotNull();

        app.client().get().uri("/notes/{id}", created.id()).exchange()
                .expectStatus().isOk()
                .expectBody(Note.class).isEqualTo(created);
        app.client().get().uri("/notes?limit=100").exchange()
                .expectStatus().isOk()
                .expectBodyList(Note.class).contains(created);
    }

    @Test
    void aMissingNoteIs404() {
        app.client().get().uri("/notes/{id}", Long.MAX_VALUE).exchange()
                .expectStatus().isNotFound()
                .expectBody().isEmpty();
    }

    @Test
    void badInputIs400WithTheReason() {
        assertThat(problem(post(Map.of("body", "no title")))).containsEntry("status", 400)
                .containsEntry("detail", "title must not be blank");
        assertThat(problem(app.client().get().uri("/notes?limit=0").exchange()))
                .containsEntry("detail", "limit must be between 1 and 100, was 0");
    }

    @Test
    void aRefusedTagRollsTheWholeNoteBack() throws SQLException {
        String title = "Half a note " + System.nanoTime();
        Map<String, Object> refused = problem(post(Map.of("title", title,
                "body", "the first tag is fine, the second is not", "tags", List.of("fine", "Not A Tag!"))));
        assertThat((String) refused.get("detail")).startsWith("the data violates a constraint [23514]")
                .contains("tag_format").doesNotContain(PASSWORD);

        assertThat(count("SELECT count(*) FROM note WHERE title = ?", title)).as("notes stored").isZero();
        assertThat(count("SELECT count(*) FROM note_tag WHERE tag = ?", "fine")).as("tags stored").isZero();
        // the failed transaction's connection came back to the pool, rolled back
        await().atMost(Duration.ofSeconds(5)).until(() -> app.pool().stats().acquired() == 0);
        assertThat(count("SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND state LIKE"
                + " 'idle in transaction%'", POOL)).isZero();
    }

    @Test
    void healthShowsThePoolUpWithItsDetailsAndNoPassword() {
        String body = app.client().get().uri("/actuator/health").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(body).isNotNull().doesNotContain(PASSWORD).doesNotContainIgnoringCase("password");

        Map<String, Object> health = json("/actuator/health");
        assertThat(health).containsEntry("status", "UP");
        Map<String, Object> tidepool = map(map(health.get("components")).get("tidepool"));
        assertThat(tidepool).containsEntry("status", "UP");
        // one component per pool, named after it
        Map<String, Object> component = map(map(tidepool.get("components")).get(POOL));
        assertThat(component).containsEntry("status", "UP");
        Map<String, Object> pool = map(component.get("details"));
        assertThat(pool)
                .containsEntry("pool", POOL)
                .containsEntry("status", "UP")
                .containsEntry("required", true)
                .containsEntry("reasons", List.of())
                .containsEntry("probe", "ok")
                .containsEntry("max", 10)
                .containsEntry("pending", 0)
                .containsKeys("used", "idle", "acquireTimeouts", "p99WaitMillis", "serverBackends",
                        "serverMaxConnections");

        // readiness waits on the database, liveness never does
        assertThat(map(json("/actuator/health/readiness").get("components"))).containsKey("tidepool");
        assertThat(json("/actuator/health/liveness")).containsEntry("status", "UP").doesNotContainKey("components");
    }

    @Test
    void prometheusHasThePoolsMeters() {
        app.client().get().uri("/notes").exchange().expectStatus().isOk();   // at least one acquire to time

        String scrape = app.client().get().uri("/actuator/prometheus").accept(MediaType.TEXT_PLAIN).exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(scrape).isNotNull().doesNotContain(PASSWORD);
        String pool = "db_client_connection_pool_name=\"" + POOL + "\"";
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith("#") && line.contains(pool)) {
                names.add(line.substring(0, line.indexOf('{')));
            }
        }
        assertThat(names).contains(
                "db_client_connection_count_connections",
                "db_client_connection_idle_max_connections",
                "db_client_connection_idle_min_connections",
                "db_client_connection_max_connections",
                "db_client_connection_pending_requests",
                "db_client_connection_timeouts_total",
                "db_client_connection_create_time_seconds_count",
                "db_client_connection_wait_time_seconds_bucket",
                "db_client_connection_wait_time_seconds_count",
                "db_client_connection_use_time_seconds_sum",
                "tidepool_connection_leaks_total",
                "tidepool_connection_validation_failures_total",
                "tidepool_connection_discards_total",
                "tidepool_connection_errors_total");
        assertThat(scrape).containsPattern("db_client_connection_max_connections\\{[^}]*" + pool + "[^}]*} 10\\.0");
        assertThat(scrape).containsPattern("db_client_connection_wait_time_seconds_count\\{[^}]*" + pool
                + "[^}]*} [1-9]");
    }

    /**
     * An application with no pool bean of its own: Tidepool's auto-configuration builds the pool from the URL alone.
     * Not a {@code @Configuration}, so that {@link NotesApplication}'s component scan does not pick it up.
     */
    @EnableAutoConfiguration
    static class UrlOnlyApplication {
    }

    @Test
    void aPoolFromATidepoolUrlAloneIsTheConnectionFactoryCheckedAndClosedWithTheContext() throws SQLException {
        String name = "notes-url-only";
        SpringApplication application = new SpringApplication(UrlOnlyApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        TidepoolPool pool;
        try (ConfigurableApplicationContext context = application.run("--spring.r2dbc.url="
                + TestDatabase.withTestClient("r2dbc:tidepool:postgresql://postgres:" + PASSWORD + "@127.0.0.1:"
                + server.getPort() + "/postgres?name=" + name))) {
            // the pool itself is the ConnectionFactory: no wrapper, no r2dbc-pool around it
            ConnectionFactory factory = context.getBean(ConnectionFactory.class);
            assertThat(factory).isInstanceOf(TidepoolPool.class);
            pool = (TidepoolPool) factory;
            assertThat(pool.name()).isEqualTo(name);

            TidepoolHealthContributor contributor = context.getBean(TidepoolHealthContributor.class);
            assertThat(contributor.stream().map(e -> e.name()).toList()).containsExactly(name);
            Health health = ((ReactiveHealthIndicator) contributor.getContributor(name)).health()
                    .block(Duration.ofSeconds(10));
            assertThat(health).isNotNull();
            assertThat(health.getDetails()).containsEntry("pool", name);
            assertThat(context.getBean(DatabaseClient.class).sql("SELECT count(*) FROM note").map(row -> 1).all()
                    .count().block(Duration.ofSeconds(10))).isEqualTo(1);
            assertThat(backends(name)).isPositive();
        }
        assertThat(pool.state()).isEqualTo(PoolState.CLOSED);
        assertThat(pool.stats().allocated()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> backends(name) == 0);
    }

    /**
     * Last, because it closes the application the other tests used (a second application in the same JVM would
     * share Reactor Netty's global event loops with the first, and closing it would stop both servers).
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void closingTheApplicationClosesThePoolAndLeavesNoBackend() throws SQLException {
        post(Map.of("title", "Short-lived", "tags", List.of("closing"))).expectStatus().isCreated();
        app.client().get().uri("/actuator/health").exchange().expectStatus().isOk();
        assertThat(backends(POOL)).as("backends of the open pool").isPositive();
        assertThat(app.pool().stats().creates()).isPositive();

        app.closeAndCheckNothingIsLeft();
    }

    private static WebTestClient.ResponseSpec post(Map<String, Object> note) {
        return app.client().post().uri("/notes").contentType(MediaType.APPLICATION_JSON).bodyValue(note).exchange();
    }

    private static Map<String, Object> json(String path) {
        return body(app.client().get().uri(path).exchange().expectStatus().isOk());
    }

    /** The body of a 400 answer: an RFC 9457 problem. */
    private static Map<String, Object> problem(WebTestClient.ResponseSpec response) {
        return body(response.expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    }

    private static Map<String, Object> body(WebTestClient.ResponseSpec response) {
        return Objects.requireNonNull(response.expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static int backends(String applicationName) throws SQLException {
        return count("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", applicationName);
    }

    private static int count(String sql, String parameter) throws SQLException {
        try (Connection c = server.getPostgresDatabase().getConnection();
             PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, parameter);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
