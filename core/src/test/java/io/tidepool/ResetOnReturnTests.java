package io.tidepool;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;
import io.tidepool.test.PoolFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static io.tidepool.testing.Sql.queryOne;
import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;

/** However a borrower leaves its connection, the next borrower gets a clean one: and a clean one costs nothing. */
@Timeout(60)
class ResetOnReturnTests {

    private TidepoolPool pool;

    @BeforeEach
    void open() {
        pool = PoolFixture.builder("reset").maxSize(1).buildPool();
        pool.withConnection(c -> run(c, "DROP TABLE IF EXISTS reset_probe")
                .then(run(c, "CREATE TABLE reset_probe (id int)"))).blockLast(Duration.ofSeconds(10));
    }

    @AfterEach
    void close() {
        pool.close().block(Duration.ofSeconds(45));
    }

    private void leaveWith(Function<Connection, Mono<?>> mess) {
        pool.withConnection(c -> mess.apply(c).then()).blockLast(Duration.ofSeconds(10));
    }

    private void assertNextBorrowerIsClean() {
        assertNextBorrowerIsClean(true);
    }

    private void assertNextBorrowerIsClean(boolean connectionKept) {
        pool.withConnection(c -> {
            assertThat(c.isAutoCommit()).as("auto-commit").isTrue();
            assertThat(c.getTransactionIsolationLevel()).isEqualTo(IsolationLevel.READ_COMMITTED);
            return Flux.concat(
                    queryOne(c, "SELECT count(*)::int FROM reset_probe", Integer.class)
                            .doOnNext(rows -> assertThat(rows).as("rolled back rows").isZero()),
                    queryOne(c, "SHOW transaction_isolation", String.class)
                            .doOnNext(level -> assertThat(level).isEqualTo("read committed")),
                    queryOne(c, "SHOW statement_timeout", String.class)
                            .doOnNext(timeout -> assertThat(timeout).isEqualTo("0")),
                    queryOne(c, "SHOW lock_timeout", String.class)
                            .doOnNext(timeout -> assertThat(timeout).isEqualTo("0")));
        }).blockLast(Duration.ofSeconds(10));
        assertNoLeak(pool, 1);
        if (connectionKept) {
            assertThat(pool.stats().discards()).as("reset keeps the connection").isZero();
        }
    }

    @Test
    void aTransactionBegunThroughTheApiIsRolledBack() {
        leaveWith(c -> Mono.from(c.beginTransaction()).then(run(c, "INSERT INTO reset_probe VALUES (1)")));
        assertNextBorrowerIsClean();
    }

    @Test
    void aTransactionBegunInSqlIsRolledBack() {
        leaveWith(c -> run(c, "BEGIN").then(run(c, "INSERT INTO reset_probe VALUES (2)")));
        assertNextBorrowerIsClean();
    }

    @Test
    void aTransactionBegunInSqlAsTheVeryLastStatementIsRolledBack() {
        leaveWith(c -> run(c, "BEGIN"));
        assertNextBorrowerIsClean();
    }

    @Test
    void aResultCutShortInsideATransactionIsDrainedAndRolledBack() {
        leaveWith(c -> Mono.from(c.beginTransaction())
                .then(run(c, "INSERT INTO reset_probe VALUES (11)"))
                .thenMany(Flux.from(c.createStatement("SELECT g FROM generate_series(1, 50000) g").execute())
                        .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).take(2))
                .then());
        // r2dbc-postgresql 1.1.3 stops reading a result cut short rather than draining it, so the ROLLBACK that
        // would prove the connection idle never answers: the connection is discarded, never handed out mid-result
        assertNextBorrowerIsClean(false);
    }

    @Test
    void autoCommitTurnedOffIsTurnedBackOn() {
        leaveWith(c -> Mono.from(c.setAutoCommit(false)).then(run(c, "INSERT INTO reset_probe VALUES (3)")));
        assertNextBorrowerIsClean();
    }

    @Test
    void aSavepointInAnOpenTransactionIsRolledBack() {
        leaveWith(c -> Mono.from(c.beginTransaction())
                .then(run(c, "INSERT INTO reset_probe VALUES (4)"))
                .then(Mono.from(c.createSavepoint("s1")))
                .then(run(c, "INSERT INTO reset_probe VALUES (5)")));
        assertNextBorrowerIsClean();
    }

    @Test
    void aFailedTransactionIsRolledBack() {
        StepVerifier.create(pool.withConnection(c -> Mono.from(c.beginTransaction())
                        .then(run(c, "INSERT INTO reset_probe VALUES (6)"))
                        .then(run(c, "SELECT 1/0"))))
                .expectError()
                .verify(Duration.ofSeconds(10));
        assertNextBorrowerIsClean();
    }

    @Test
    void aChangedIsolationLevelAndTimeoutsAreRestored() {
        leaveWith(c -> Mono.from(c.setTransactionIsolationLevel(IsolationLevel.SERIALIZABLE))
                .then(Mono.from(c.setStatementTimeout(Duration.ofSeconds(3))))
                .then(Mono.from(c.setLockWaitTimeout(Duration.ofSeconds(2)))));
        assertNextBorrowerIsClean();
    }

    @Test
    void inTransactionRollsBackOnCancel() {
        StepVerifier.create(pool.inTransaction(c -> run(c, "INSERT INTO reset_probe VALUES (7)")
                        .then(queryOne(c, "SELECT pg_sleep(5)::text", String.class))))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(300))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        // the abandoned pg_sleep is cancelled on the server and its connection closed (its backend must end too:
        // assertNoLeak allows one backend, the new connection's)
        assertNextBorrowerIsClean(false);
    }

    @Test
    void inTransactionCommitsOnSuccessAndRollsBackOnError() {
        pool.inTransaction(c -> run(c, "INSERT INTO reset_probe VALUES (8)")).blockLast(Duration.ofSeconds(10));
        StepVerifier.create(pool.inTransaction(c -> run(c, "INSERT INTO reset_probe VALUES (9)")
                        .then(Mono.error(new IllegalStateException("work failed")))))
                .expectErrorMessage("work failed")
                .verify(Duration.ofSeconds(10));

        assertThat(pool.withConnection(c -> Flux.from(c.createStatement("SELECT id FROM reset_probe ORDER BY id")
                        .execute()).flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))))
                .collectList().block(Duration.ofSeconds(10)))
                .containsExactly(8);
        pool.withConnection(c -> run(c, "DELETE FROM reset_probe")).blockLast();
        assertNextBorrowerIsClean();
    }

    @Test
    void inTransactionEmitsAllTheWorksValuesInOrderOnlyOnceCommitted() {
        AtomicReference<Connection> used = new AtomicReference<>();
        List<Boolean> committedWhenSeen = new CopyOnWriteArrayList<>();
        StepVerifier.create(pool.inTransaction(c -> {
                    used.set(c);
                    return run(c, "INSERT INTO reset_probe VALUES (10)").thenMany(Flux.from(c.createStatement(
                                    "SELECT g FROM generate_series(1, 5) g").execute())
                            .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))));
                })
                // the server reports the transaction over at the COMMIT's end: every value comes after it
                .doOnNext(v -> committedWhenSeen.add(used.get().isAutoCommit())))
                .expectNext(1, 2, 3, 4, 5)
                .verifyComplete();

        assertThat(committedWhenSeen).hasSize(5).containsOnly(true);
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT count(*)::int FROM reset_probe", Integer.class))
                .blockLast(Duration.ofSeconds(10))).isEqualTo(1);
        pool.withConnection(c -> run(c, "DELETE FROM reset_probe")).blockLast(Duration.ofSeconds(10));
        assertNextBorrowerIsClean();
    }

    @Test
    void inTransactionWithAWorkThatThrowsOrDoesNothingLeavesTheConnectionClean() {
        StepVerifier.create(pool.inTransaction(c -> {
                    throw new IllegalStateException("work could not start");
                }))
                .expectErrorMessage("work could not start")
                .verify(Duration.ofSeconds(10));
        assertNextBorrowerIsClean();

        StepVerifier.create(pool.inTransaction(c -> Mono.empty())).verifyComplete();
        assertNextBorrowerIsClean();
    }

    @Test
    void aCommittedTransactionReturnsWithNoRoundTrip() {
        Integer pid = pool.inTransaction(c -> run(c, "INSERT INTO reset_probe VALUES (12)")
                .thenMany(Flux.from(c.createStatement("SELECT pg_backend_pid()").execute())
                        .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))))
                .last()).blockLast(Duration.ofSeconds(10));
        // nothing after the COMMIT: no ROLLBACK, no validation
        assertThat(PoolFixture.lastQueries(pool)).containsEntry(pid, "COMMIT");
    }

    @Test
    void aCleanReturnCostsNoRoundTrip() {
        // Mono.from(execute()) cancels the stream of results after the first: the idiom must stay free
        Integer pid = pool.withConnection(c -> Mono.from(c.createStatement("SELECT pg_backend_pid()").execute())
                        .flatMap(r -> Mono.from(r.map((row, m) -> row.get(0, Integer.class))))
                        .filter(p -> p > 0))
                .blockLast(Duration.ofSeconds(10));
        pool.withConnection(c -> Flux.from(c.createStatement("SELECT 43 AS clean_marker").execute())
                        .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))))
                .blockLast(Duration.ofSeconds(10));

        // the server's last statement on that backend is the borrower's own: no ROLLBACK, no SELECT 1, no RESET
        assertThat(PoolFixture.lastQueries(pool)).containsEntry(pid, "SELECT 43 AS clean_marker");
    }
}
