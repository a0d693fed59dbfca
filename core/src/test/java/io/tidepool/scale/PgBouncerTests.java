package io.tidepool.scale;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.ServerPooling;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import io.tidepool.testing.TestPgBouncer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tidepool.testing.Sql.queryOne;
import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tidepool through a real PgBouncer in transaction pooling mode (40 pooled connections over its 5 server
 * connections): with {@code serverPooling=transaction} everything Tidepool and the driver send is safe there; without
 * it, the driver's named prepared statements break.
 */
@Timeout(300)
class PgBouncerTests {

    private static final int IN_FLIGHT = 40;
    private static final int OPERATIONS = 3000;

    private final List<TidepoolPool> pools = new ArrayList<>();

    @BeforeAll
    static void schema() {
        TestPgBouncer bouncer = TestPgBouncer.get();
        TestDatabase.get().execute("DROP TABLE IF EXISTS bouncer_item");
        TestDatabase.get().execute("CREATE TABLE bouncer_item (id int PRIMARY KEY, note text)");
        TestDatabase.get().execute("GRANT ALL ON bouncer_item TO " + TestPgBouncer.ROLE);
        assertThat(bouncer.port()).isPositive();
    }

    @AfterEach
    void closePools() {
        pools.forEach(p -> p.close().block(Duration.ofSeconds(45)));
    }

    private TidepoolPool pool(String prefix, boolean transactionMode) {
        String name = TestDatabase.uniqueApplicationName(prefix);
        PoolConfiguration.Builder builder = PoolConfiguration.builder()
                .url(TestPgBouncer.get().r2dbcUrl(""))
                .name(name)
                .maxSize(IN_FLIGHT)
                // behind PgBouncer, opening a connection includes its wait for a free server connection (the
                // driver's first query), which under this load and on a shared machine can take seconds
                .createTimeout(Duration.ofSeconds(30))
                .acquireTimeout(Duration.ofSeconds(60));
        if (transactionMode) {
            builder.serverPooling(ServerPooling.TRANSACTION);
        }
        TidepoolPool pool = builder.buildPool();
        pools.add(pool);
        return pool;
    }

    private static Mono<Integer> boundSelect(Connection c, int value) {
        return Flux.from(c.createStatement("SELECT $1::int + 1 AS n").bind("$1", value).execute())
                .flatMap(r -> r.map((row, meta) -> row.get("n", Integer.class)))
                .single();
    }

    private static Mono<Long> insert(Connection c, int id) {
        return Flux.from(c.createStatement("INSERT INTO bouncer_item (id, note) VALUES ($1, $2)")
                        .bind("$1", id).bind("$2", "note " + id).execute())
                .flatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
    }

    /** The intentional failure that makes a transaction roll back. */
    static final class Intentional extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Intentional() {
            super("intentional failure: roll back", null, false, false);
        }
    }

    @Test
    void mixedLoadThroughTransactionPoolingIsSafe() {
        TidepoolPool pool = pool("bouncer-load", true);
        assertThat(pool.configuration().driverOptions().orElseThrow()
                .getValue(io.r2dbc.spi.Option.valueOf("preparedStatementCacheQueries"))).isEqualTo(0);
        // the native client reads the same option: unnamed statements only
        assertThat(io.tidepool.pg.PgConnectionConfiguration.from(pool.configuration().driverOptions().orElseThrow())
                .statementCacheSize()).isZero();
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        Map<Integer, AtomicInteger> done = new ConcurrentHashMap<>();
        AtomicInteger cancelled = new AtomicInteger();
        AtomicInteger peakBorrowed = new AtomicInteger();
        long started = System.nanoTime();

        Flux.range(0, OPERATIONS)
                .flatMap(i -> {
                    int kind = i % 8;
                    Mono<?> op = switch (kind) {
                        // bound statements, the same SQL again and again: what a statement cache would name
                        case 0, 1 -> pool.withConnection(c -> boundSelect(c, i)
                                .doOnNext(n -> assertThat(n).isEqualTo(i + 1))).then();
                        case 2 -> pool.inTransaction(c -> insert(c, i)).then();
                        // a transaction rolled back by its work's failure
                        case 3 -> pool.inTransaction(c -> insert(c, i).then(Mono.error(new Intentional())))
                                .then()
                                .onErrorResume(Intentional.class, e -> Mono.empty());
                        // transaction-local settings: isolation and timeouts, through SET TRANSACTION / SET LOCAL
                        case 4 -> pool.inTransaction(c -> Mono.from(c.setTransactionIsolationLevel(
                                        IsolationLevel.REPEATABLE_READ))
                                .then(Mono.from(c.setStatementTimeout(Duration.ofSeconds(7))))
                                .then(Mono.from(c.setLockWaitTimeout(Duration.ofSeconds(3))))
                                .then(queryOne(c, "SELECT current_setting('transaction_isolation') || '/' "
                                        + "|| current_setting('statement_timeout') || '/' "
                                        + "|| current_setting('lock_timeout')", String.class))
                                .doOnNext(s -> assertThat(s).isEqualTo("repeatable read/7s/3s"))).then();
                        // cancelled mid-statement: the return drains (or cancels and closes)
                        case 5 -> pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(0.02)::text", String.class))
                                .then()
                                .timeout(Duration.ofMillis(5))
                                .onErrorResume(TimeoutException.class, e -> {
                                    cancelled.incrementAndGet();
                                    return Mono.empty();
                                });
                        // cancelled mid-result: three rows of many
                        case 6 -> pool.withConnection(c -> Flux.from(c.createStatement(
                                        "SELECT g FROM generate_series(1, $1) g").bind("$1", 500).execute())
                                        .flatMap(r -> r.map((row, meta) -> row.get(0, Integer.class))))
                                .take(3).then();
                        default -> pool.withConnection(c -> Flux.from(c.createStatement(
                                        "SELECT $1::text || '-' || $2::text").bind("$1", "a" + i).bind("$2", i)
                                        .execute()).flatMap(r -> r.map((row, meta) -> row.get(0, String.class))))
                                .doOnNext(s -> assertThat(s).isEqualTo("a" + i + "-" + i)).then();
                    };
                    return op.doOnSubscribe(s -> peakBorrowed.accumulateAndGet(pool.stats().acquired(), Math::max))
                            .doOnSuccess(v -> done.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet())
                            .onErrorResume(e -> {
                                unexpected.add(e);
                                return Mono.empty();
                            });
                }, IN_FLIGHT)
                .blockLast(Duration.ofSeconds(270));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(unexpected).as("failures (none may be 'prepared statement ... does not exist')").isEmpty();
        assertThat(done.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(OPERATIONS);
        assertThat(peakBorrowed.get()).as("connections borrowed at once").isGreaterThan(TestPgBouncer.POOL_SIZE);
        // committed rows are there; rolled-back ones are not
        List<Map<String, Object>> rows = TestDatabase.get().query(
                "SELECT count(*) FILTER (WHERE id % 8 = 2) AS committed, count(*) FILTER (WHERE id % 8 = 3) AS rolled "
                        + "FROM bouncer_item WHERE id < " + OPERATIONS);
        assertThat(((Number) rows.get(0).get("committed")).intValue()).isEqualTo(OPERATIONS / 8);
        assertThat(((Number) rows.get(0).get("rolled")).intValue()).isZero();

        assertNoSessionStateLeft(pool);
        assertNothingLeft(pool);
        System.out.printf("PgBouncer transaction mode (client %s): %d operations, %d in flight over %d server connections, "
                        + "%d ms, %d cancelled by timeout, %d connections opened by the pool, %d discarded%n",
                pool.configuration().client().urlValue(), OPERATIONS, IN_FLIGHT, TestPgBouncer.POOL_SIZE, tookMillis,
                cancelled.get(), pool.stats().creates(),
                pool.stats().discards());
    }

    /** Every server connection PgBouncer lends now has the server's defaults: nothing leaked from a transaction. */
    private static void assertNoSessionStateLeft(TidepoolPool pool) {
        List<String> settings = Flux.range(0, IN_FLIGHT)
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT current_setting('transaction_isolation') "
                        + "|| '/' || current_setting('statement_timeout') || '/' || current_setting('lock_timeout') "
                        + "FROM pg_sleep(0.01)", String.class)), IN_FLIGHT)
                .collectList().block(Duration.ofSeconds(30));
        assertThat(settings).hasSize(IN_FLIGHT).containsOnly("read committed/0/0");
    }

    /** Twice: the pool's counters, and the server (and PgBouncer's console) see nothing left borrowed or open. */
    private static void assertNothingLeft(TidepoolPool pool) {
        ServerChecks.assertNoLeak(pool.name(), () -> pool.stats().acquired() + pool.stats().pending(),
                TestPgBouncer.POOL_SIZE);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(TestPgBouncer.get().activeServers()).as("active in SHOW SERVERS").isZero();
            TestDatabase.ServerBackends server = TestPgBouncer.get().serverBackends();
            assertThat(server.idleInTransaction()).as("idle in transaction on the server").isZero();
            assertThat(server.total()).as("PgBouncer's backends").isLessThanOrEqualTo(TestPgBouncer.POOL_SIZE);
        });
    }

    @Test
    void sessionSettingsOutsideATransactionAreRefused() {
        TidepoolPool pool = pool("bouncer-session", true);
        Throwable error = pool.withConnection(c -> Mono.from(c.setStatementTimeout(Duration.ofSeconds(1))))
                .then().map(v -> (Throwable) null).onErrorResume(Mono::just).block(Duration.ofSeconds(10));
        assertThat(error).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pool '" + pool.name() + "' has serverPooling=transaction")
                .hasMessageContaining("setStatementTimeout outside a transaction");
        Throwable isolation = pool.withConnection(c -> Mono.from(c.setTransactionIsolationLevel(
                        IsolationLevel.SERIALIZABLE)))
                .then().map(v -> (Throwable) null).onErrorResume(Mono::just).block(Duration.ofSeconds(10));
        assertThat(isolation).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("setTransactionIsolationLevel outside a transaction");
        assertNoSessionStateLeft(pool);
        assertNothingLeft(pool);
    }

    /**
     * A session-level SET in SQL cannot be reset through the pooler (the reset would run on another server
     * connection): the return skips the session reset, keeps the connection, and warns once.
     */
    @Test
    void sessionStateSetInSqlIsNotResetOnAnotherServerConnection() {
        TidepoolPool pool = pool("bouncer-sql-set", true);
        for (int i = 0; i < 3; i++) {
            pool.withConnection(c -> run(c, "SET work_mem = '8MB'").then(run(c, "SELECT 1")))
                    .blockLast(Duration.ofSeconds(10));
        }
        assertThat(pool.stats().discards()).isZero();
        assertNothingLeft(pool);
    }

    @Test
    void validationAndResetWorkThroughPgBouncer() {
        TidepoolPool pool = pool("bouncer-check", true);
        // every acquire validates (REMOTE round trip), every return after a transaction resets
        TidepoolPool checking = PoolConfiguration.builder().url(TestPgBouncer.get().r2dbcUrl(""))
                .name(TestDatabase.uniqueApplicationName("bouncer-validate")).maxSize(8)
                .validateAfterIdle(Duration.ZERO).serverPooling(ServerPooling.TRANSACTION).buildPool();
        pools.add(checking);
        checking.start().block(Duration.ofSeconds(20));
        Flux.range(0, 400)
                .flatMap(i -> checking.withConnection(c -> Mono.from(c.beginTransaction())
                        .then(boundSelect(c, i))
                        // left open on purpose: the return must roll it back through PgBouncer
                        ), 16)
                .blockLast(Duration.ofSeconds(60));
        assertThat(checking.stats().validationFailures()).isZero();
        assertThat(checking.stats().discards()).isZero();
        assertNoSessionStateLeft(pool);
        assertNothingLeft(checking);
    }

    /**
     * A statement its borrower abandoned is not cancelled through PgBouncer (the cancel could land on a server
     * connection that serves another client by then): the return's ROLLBACK waits up to validationTimeout, then the
     * connection is closed instead.
     */
    @Test
    void anAbandonedStatementIsClosedNotCancelled() {
        TidepoolPool pool = pool("bouncer-abandon", true);
        String marker = "abandoned-" + System.nanoTime();
        pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(6)::text || '" + marker + "'", String.class))
                .then().timeout(Duration.ofMillis(200)).onErrorResume(TimeoutException.class, e -> Mono.empty())
                .block(Duration.ofSeconds(10));
        // the return gave the ROLLBACK validationTimeout (2 s), then closed the connection
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().discards() == 1);
        // and sent no cancel: the statement still runs on the server (a cancel would have ended it by now)
        assertThat(TestDatabase.get().query("SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' "
                + "AND query LIKE '%" + marker + "%' AND query NOT LIKE '%pg_stat_activity%'").get(0).get("n")
                .toString()).isEqualTo("1");
        assertThat(pool.stats().acquired()).isZero();
    }

    /**
     * Without {@code serverPooling=transaction}, either protocol client names its prepared statements
     * ({@code S_0}/{@code S_1}, ... in the order each connection first runs them) on the server backend it happened to use; the
     * next transaction's backend does not have them ({@code 26000 prepared statement "S_3" does not exist}, which the
     * driver answers by preparing again), already has the name from another connection ({@code 42P05 ... already
     * exists}), or has another connection's statement under that name: a wrong answer, without any error.
     */
    @Test
    void withoutTheOptionNamedPreparedStatementsBreak() {
        TidepoolPool pool = pool("bouncer-plain", false);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger wrongAnswers = new AtomicInteger();
        int operations = 800;
        java.util.function.IntFunction<Flux<Integer>> phase = from -> Flux.range(from, operations / 2)
                .flatMap(i -> {
                    // 20 statements: each connection names them in its own order of first use
                    int k = (i * 7) % 20;
                    return pool.withConnection(c -> Flux.from(c.createStatement("SELECT $1::int + " + k + " AS n")
                                    .bind("$1", i).execute())
                                    .flatMap(r -> r.map((row, meta) -> row.get("n", Integer.class))))
                            .doOnNext(n -> {
                                if (n != i + k) {
                                    wrongAnswers.incrementAndGet();
                                }
                            })
                            .onErrorResume(e -> {
                                failures.add(e);
                                return Mono.empty();
                            });
                }, IN_FLIGHT);
        phase.apply(0).blockLast(Duration.ofSeconds(120));
        // PgBouncer replaces its server connections (as server_lifetime does): the new ones have none of the
        // statements the pool's connections have named
        TestPgBouncer.get().reconnectServers();
        phase.apply(operations / 2).blockLast(Duration.ofSeconds(120));
        long missing = failures.stream().filter(e -> String.valueOf(e.getMessage())
                .matches("(?s).*prepared statement \"S_\\d+\" does not exist.*")).count();
        long duplicate = failures.stream().filter(e -> String.valueOf(e.getMessage())
                .matches("(?s).*prepared statement \"S_\\d+\" already exists.*")).count();
        // another connection's S_n with another statement's parameters (the native client names statements
        // without parameters too)
        long mismatched = failures.stream().filter(e -> String.valueOf(e.getMessage())
                .matches("(?s).*prepared statement \"S_\\d+\" requires.*")).count();
        long named = missing + duplicate + mismatched;
        System.out.printf("PgBouncer transaction mode without serverPooling=transaction (client %s): %d of %d bound "
                        + "statements failed: %d 'prepared statement \"S_n\" does not exist', %d 'already exists', "
                        + "%d 'requires' other parameters, %d other; %d gave a wrong answer (another connection's S_n);"
                        + " e.g. %s%n",
                pool.configuration().client().urlValue(), failures.size(), operations, missing, duplicate, mismatched,
                failures.size() - named, wrongAnswers.get(), failures.stream().filter(e -> String.valueOf(
                        e.getMessage()).contains("does not exist")).findFirst().orElse(failures.peek()));
        // r2dbc-postgresql 1.1.3 and the native client answer 26000 ("does not exist") by preparing again; what reaches the user
        // is 42P05 on a backend that has the name from another connection, or, silently, that connection's statement
        assertThat(named).as("named prepared statement failures").isPositive();
        assertThat(failures.size() - named).as("other failures: " + failures.stream()
                .map(e -> String.valueOf(e.getMessage()))
                .filter(m -> !m.matches("(?s).*prepared statement \"S_\\d+\" (does not exist|already exists|requires).*"))
                .limit(3).toList()).isZero();
    }
}
