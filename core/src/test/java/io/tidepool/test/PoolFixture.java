package io.tidepool.test;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** Pools for tests: each with its own {@code application_name}, so the server's view of it can be checked. */
public final class PoolFixture {

    private PoolFixture() {
    }

    /** A builder for a pool on the test server, named and tagged with a fresh application name. */
    public static PoolConfiguration.Builder builder(String prefix) {
        String name = TestDatabase.uniqueApplicationName(prefix);
        return PoolConfiguration.builder().url(TestDatabase.get().r2dbcUrl("")).name(name);
    }

    /** The first column of the first row of {@code sql}, read as {@code type}. */
    public static <T> Mono<T> queryOne(Connection connection, String sql, Class<T> type) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map((row, meta) -> row.get(0, type)))
                .next();
    }

    /** Runs {@code sql} and reads its update counts to the end. */
    public static Mono<Void> run(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).then();
    }

    /** The server's backend process id of this connection. */
    public static Mono<Integer> backendPid(Connection connection) {
        return queryOne(connection, "SELECT pg_backend_pid()", Integer.class);
    }

    /**
     * Proves there is no leak, twice: the pool has nothing borrowed or waiting, and the server sees no more than
     * {@code maxBackends} backends for the pool and none idle in transaction.
     */
    public static void assertNoLeak(TidepoolPool pool, int maxBackends) {
        // generous: on a CI machine shared with other builds, returns after a fault take seconds; a leak never ends
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            org.assertj.core.api.Assertions.assertThat(pool.stats().acquired()).as("acquired").isZero();
            org.assertj.core.api.Assertions.assertThat(pool.stats().pending()).as("pending").isZero();
            TestDatabase.ServerBackends server = TestDatabase.get().backends(pool.name());
            org.assertj.core.api.Assertions.assertThat(server.total()).as("backends").isLessThanOrEqualTo(maxBackends);
            org.assertj.core.api.Assertions.assertThat(server.idleInTransaction()).as("idle in transaction").isZero();
        });
    }

    /** Waits until the server sees exactly {@code count} backends for the pool. */
    public static void awaitBackends(TidepoolPool pool, int count) {
        awaitBackends(pool.name(), count);
    }

    /** Waits until the server sees exactly {@code count} backends with this {@code application_name}. */
    public static void awaitBackends(String applicationName, int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                org.assertj.core.api.Assertions.assertThat(TestDatabase.get().backends(applicationName).total())
                        .as("backends of " + applicationName).isEqualTo(count));
    }

    /** The last statement the server ran on each of the pool's backends, by pid. */
    public static Map<Integer, String> lastQueries(TidepoolPool pool) {
        Map<Integer, String> byPid = new java.util.HashMap<>();
        for (Map<String, Object> row : TestDatabase.get().query(
                "SELECT pid, query FROM pg_stat_activity WHERE application_name = '" + pool.name() + "'")) {
            byPid.put(((Number) row.get("pid")).intValue(), (String) row.get("query"));
        }
        return byPid;
    }
}
