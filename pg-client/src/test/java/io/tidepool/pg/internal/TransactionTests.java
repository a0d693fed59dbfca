package io.tidepool.pg.internal;

import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Option;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import io.tidepool.pg.PgTransactionStatus;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Deferred BEGIN: round trips counted on the engine's own wire statistics, outcomes checked over JDBC. */
@Timeout(60)
class TransactionTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();
    private PgSession connection;
    private WireStats stats;
    private String table;

    @BeforeEach
    void connect() {
        connection = server.factory().create().block(WAIT);
        stats = ((PgConnectionImpl) connection).engine().stats;
        table = "tp_tx_" + Math.abs(System.nanoTime() % 1_000_000_000L);
        server.execute("CREATE TABLE " + table + " (id int primary key, v text)");
    }

    @AfterEach
    void close() {
        Mono.from(connection.close()).block(WAIT);
        server.execute("DROP TABLE IF EXISTS " + table);
    }

    private long count() {
        return server.queryLong("SELECT count(*) FROM " + table);
    }

    private List<Long> run(Statement s) {
        return Flux.from(s.execute()).flatMap(Result::getRowsUpdated).collectList().block(WAIT);
    }

    /** Round trips so far: every command ends at one ReadyForQuery. */
    private long roundTrips() {
        return stats.readyForQuery;
    }

    /** With the statement cache off, a statement without binds is a simple Query, and BEGIN rides in its text. */
    private void withoutStatementCache(int statementCacheSize) {
        if (statementCacheSize == 0) {
            Mono.from(connection.close()).block(WAIT);
            connection = new io.tidepool.pg.PgConnectionFactory(server.config().statementCacheSize(0).build())
                    .create().block(WAIT);
            stats = ((PgConnectionImpl) connection).engine().stats;
        }
    }

    @ParameterizedTest(name = "statement cache {0}")
    @ValueSource(ints = {0, 256})
    void beginGoesOutWithTheFirstStatementWithoutBinds(int statementCacheSize) {
        withoutStatementCache(statementCacheSize);
        long queries = stats.queries;
        long flushes = stats.flushes;
        long trips = roundTrips();
        Mono.from(connection.beginTransaction()).block(WAIT);
        assertThat(stats.flushes).as("beginTransaction writes nothing").isEqualTo(flushes);
        assertThat(connection.isAutoCommit()).isFalse();
        run(connection.createStatement("INSERT INTO " + table + " VALUES (1, 'a')"));
        assertThat(connection.transactionStatus()).isEqualTo(PgTransactionStatus.IN_TRANSACTION);
        assertThat(connection.isIdleOutsideTransaction()).isFalse();
        Mono.from(connection.commitTransaction()).block(WAIT);
        assertThat(roundTrips() - trips).as("BEGIN+INSERT, COMMIT").isEqualTo(2);
        assertThat(stats.flushes - flushes).isEqualTo(2);
        assertThat(stats.queries - queries).as("simple Queries: BEGIN;INSERT (without a cache) and COMMIT")
                .isEqualTo(statementCacheSize == 0 ? 2 : 1);
        assertThat(count()).isEqualTo(1);
        assertThat(connection.isAutoCommit()).isTrue();
        assertThat(connection.isIdleOutsideTransaction()).isTrue();
    }

    @Test
    void aShortTransactionWithBindsTakesThreeRoundTrips() {
        run(connection.createStatement("INSERT INTO " + table + " VALUES ($1, $2)").bind(0, 1).bind(1, "a"));
        long trips = roundTrips();
        long syncs = stats.syncs;
        Mono.from(connection.beginTransaction()).block(WAIT);
        run(connection.createStatement("UPDATE " + table + " SET v = $1 WHERE id = $2").bind(0, "b").bind(1, 1));
        List<String> v = Flux.from(connection.createStatement("SELECT v FROM " + table + " WHERE id = $1")
                .bind(0, 1).execute()).flatMap(r -> r.map((row, m) -> row.get(0, String.class))).collectList()
                .block(WAIT);
        Mono.from(connection.commitTransaction()).block(WAIT);
        assertThat(v).containsExactly("b");
        assertThat(roundTrips() - trips).as("BEGIN+UPDATE, SELECT, COMMIT").isEqualTo(3);
        assertThat(stats.syncs - syncs).as("one Sync for BEGIN and the UPDATE, one for the SELECT").isEqualTo(2);
        assertThat(server.queryLong("SELECT count(*) FROM " + table + " WHERE v = 'b'")).isEqualTo(1);
    }

    @Test
    void aTransactionThatSentNothingEndsWithoutAWrite() {
        long flushes = stats.flushes;
        Mono.from(connection.beginTransaction()).block(WAIT);
        Mono.from(connection.commitTransaction()).block(WAIT);
        Mono.from(connection.beginTransaction()).block(WAIT);
        Mono.from(connection.rollbackTransaction()).block(WAIT);
        assertThat(stats.flushes).isEqualTo(flushes);
        assertThat(connection.isAutoCommit()).isTrue();
        assertThat(connection.isIdleOutsideTransaction()).isTrue();
    }

    /** A definition the server refuses: BEGIN ISOLATION LEVEL BOGUS is a syntax error. */
    private static TransactionDefinition bogus() {
        IsolationLevel bogus = IsolationLevel.valueOf("BOGUS");
        return new TransactionDefinition() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> @Nullable T getAttribute(Option<T> option) {
                return option.equals(TransactionDefinition.ISOLATION_LEVEL) ? (T) bogus : null;
            }
        };
    }

    @ParameterizedTest(name = "statement cache {0}")
    @ValueSource(ints = {0, 256})
    void aFailingBeginKeepsAStatementWithoutBindsFromRunning(int statementCacheSize) {
        withoutStatementCache(statementCacheSize);
        Mono.from(connection.beginTransaction(bogus())).block(WAIT);
        StepVerifier.create(Flux.from(connection.createStatement("INSERT INTO " + table + " VALUES (1, 'a')")
                        .execute()).flatMap(Result::getRowsUpdated))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcBadGrammarException.class)
                        .hasMessageContaining("BOGUS"))
                .verify(WAIT);
        Mono.from(connection.rollbackTransaction()).block(WAIT);
        assertThat(count()).isZero();
        assertThat(connection.isIdleOutsideTransaction()).isTrue();
    }

    @Test
    void aFailingBeginKeepsABoundStatementAndAllItsBindingsFromRunning() {
        Mono.from(connection.beginTransaction(bogus())).block(WAIT);
        StepVerifier.create(Flux.from(connection.createStatement("INSERT INTO " + table + " VALUES ($1, $2)")
                        .bind(0, 1).bind(1, "a").add().bind(0, 2).bind(1, "b").execute())
                        .flatMap(Result::getRowsUpdated))
                .expectError(R2dbcBadGrammarException.class)
                .verify(WAIT);
        Mono.from(connection.rollbackTransaction()).block(WAIT);
        assertThat(count()).isZero();
        // and the connection works on
        run(connection.createStatement("INSERT INTO " + table + " VALUES ($1, $2)").bind(0, 3).bind(1, "c"));
        assertThat(count()).isEqualTo(1);
    }

    @Test
    void afterAFailedBeginTheTransactionIsStillToBeginAndNothingPipelinedRunsOutsideIt() {
        Mono.from(connection.beginTransaction(bogus())).block(WAIT);
        long flushes = stats.flushes;
        // three statements submitted at once: the second and third wait for the first's BEGIN answer
        List<Throwable> errors = Flux.range(1, 3)
                .flatMap(i -> Flux.from(connection.createStatement("INSERT INTO " + table + " VALUES ($1, 'x')")
                        .bind(0, i).execute()).flatMap(Result::getRowsUpdated).then(Mono.<Throwable>empty())
                        .onErrorResume(e -> Mono.just(e)), 3)
                .collectList().block(WAIT);
        assertThat(errors).hasSize(3).allSatisfy(e -> assertThat(e).isInstanceOf(R2dbcBadGrammarException.class));
        assertThat(count()).isZero();
        assertThat(stats.flushes - flushes).as("each carried the BEGIN again").isEqualTo(3);
        assertThat(connection.isAutoCommit()).isFalse();
        long before = stats.flushes;
        Mono.from(connection.rollbackTransaction()).block(WAIT);
        assertThat(stats.flushes).as("nothing to roll back on the server").isEqualTo(before);
        assertThat(connection.isIdleOutsideTransaction()).isTrue();
    }

    @Test
    void rollbackUndoes() {
        Mono.from(connection.beginTransaction()).block(WAIT);
        run(connection.createStatement("INSERT INTO " + table + " VALUES ($1, 'a')").bind(0, 1));
        Mono.from(connection.rollbackTransaction()).block(WAIT);
        assertThat(count()).isZero();
    }

    @Test
    void isolationLevelReadOnlyAndDeferrableFromTheDefinition() {
        Mono.from(connection.beginTransaction(new TransactionDefinition() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> @Nullable T getAttribute(Option<T> option) {
                if (option.equals(TransactionDefinition.ISOLATION_LEVEL)) {
                    return (T) IsolationLevel.SERIALIZABLE;
                }
                if (option.equals(io.r2dbc.spi.Option.valueOf("deferrable"))) {
                    // r2dbc-postgresql's PostgresTransactionDefinition.DEFERRABLE
                    return (T) Boolean.TRUE;
                }
                return option.equals(TransactionDefinition.READ_ONLY) ? (T) Boolean.TRUE : null;
            }
        })).block(WAIT);
        List<String> level = Flux.from(connection.createStatement("SELECT current_setting('transaction_isolation') "
                        + "|| ' ' || current_setting('transaction_deferrable')").execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, String.class))).collectList().block(WAIT);
        assertThat(level).containsExactly("serializable on");
        StepVerifier.create(Flux.from(connection.createStatement("INSERT INTO " + table + " VALUES (1, 'a')")
                        .execute()).flatMap(Result::getRowsUpdated))
                .expectErrorSatisfies(e -> assertThat(((R2dbcException) e).getSqlState()).isEqualTo("25006"))
                .verify(WAIT);
        // the error reaches the subscriber at ErrorResponse; the status comes with the ReadyForQuery behind it
        // (PgSession.transactionStatus lags behind commands in flight)
        org.awaitility.Awaitility.await().atMost(WAIT).until(connection::isQuiescent);
        assertThat(connection.transactionStatus()).isEqualTo(PgTransactionStatus.FAILED);
        Mono.from(connection.rollbackTransaction()).block(WAIT);
        assertThat(connection.transactionStatus()).isEqualTo(PgTransactionStatus.IDLE);
    }

    @Test
    void savepoints() {
        Mono.from(connection.beginTransaction()).block(WAIT);
        run(connection.createStatement("INSERT INTO " + table + " VALUES (1, 'a')"));
        Mono.from(connection.createSavepoint("s1")).block(WAIT);
        run(connection.createStatement("INSERT INTO " + table + " VALUES (2, 'b')"));
        Mono.from(connection.rollbackTransactionToSavepoint("s1")).block(WAIT);
        Mono.from(connection.releaseSavepoint("s1")).block(WAIT);
        Mono.from(connection.commitTransaction()).block(WAIT);
        assertThat(count()).isEqualTo(1);
    }

    @Test
    void aSavepointOutsideATransactionBeginsOne() {
        Mono.from(connection.createSavepoint("s")).block(WAIT);
        assertThat(connection.isAutoCommit()).isFalse();
        assertThat(connection.transactionStatus()).isEqualTo(PgTransactionStatus.IN_TRANSACTION);
        Mono.from(connection.rollbackTransaction()).block(WAIT);
    }

    @Test
    void autoCommitOffBeginsATransactionWithEachFirstStatement() {
        Mono.from(connection.setAutoCommit(false)).block(WAIT);
        assertThat(connection.isAutoCommit()).isFalse();
        run(connection.createStatement("INSERT INTO " + table + " VALUES (1, 'a')"));
        assertThat(connection.transactionStatus()).isEqualTo(PgTransactionStatus.IN_TRANSACTION);
        Mono.from(connection.commitTransaction()).block(WAIT);
        run(connection.createStatement("INSERT INTO " + table + " VALUES ($1, 'b')").bind(0, 2));
        assertThat(connection.transactionStatus()).isEqualTo(PgTransactionStatus.IN_TRANSACTION);
        Mono.from(connection.setAutoCommit(true)).block(WAIT);
        assertThat(connection.transactionStatus()).isEqualTo(PgTransactionStatus.IDLE);
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void sessionIsolationLevel() {
        Mono.from(connection.setTransactionIsolationLevel(IsolationLevel.REPEATABLE_READ)).block(WAIT);
        assertThat(connection.getTransactionIsolationLevel()).isEqualTo(IsolationLevel.REPEATABLE_READ);
        List<String> level = Flux.from(connection.createStatement("SHOW default_transaction_isolation").execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, String.class))).collectList().block(WAIT);
        assertThat(level).containsExactly("repeatable read");
    }

    private String text(String sql) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, String.class))).blockLast(WAIT);
    }

    private String errorPosition(String sql) {
        R2dbcException e = (R2dbcException) org.assertj.core.api.Assertions.catchThrowable(() -> Flux.from(
                connection.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).blockLast(WAIT));
        return ((io.tidepool.pg.PgServerError) e).position();
    }

    @ParameterizedTest(name = "statement cache {0}")
    @ValueSource(ints = {0, 256})
    void anErrorPositionCountsFromTheStatementsOwnTextWhenBeginRodeInFront(int statementCacheSize) {
        withoutStatementCache(statementCacheSize);
        String sql = "SELECT * FRM " + table;
        assertThat(errorPosition(sql)).as("outside a transaction").isEqualTo("10");
        Mono.from(connection.beginTransaction()).block(WAIT);
        assertThat(errorPosition(sql)).as("carrying the BEGIN").isEqualTo("10");
        Mono.from(connection.rollbackTransaction()).block(WAIT);
    }

    @Test
    void anIsolationLevelSetInATransactionIsThatTransactionsAlone() {
        Mono.from(connection.beginTransaction()).block(WAIT);
        Mono.from(connection.setTransactionIsolationLevel(IsolationLevel.SERIALIZABLE)).block(WAIT);
        assertThat(connection.getTransactionIsolationLevel()).isEqualTo(IsolationLevel.SERIALIZABLE);
        assertThat(text("SELECT current_setting('transaction_isolation')")).isEqualTo("serializable");
        Mono.from(connection.commitTransaction()).block(WAIT);
        assertThat(connection.getTransactionIsolationLevel()).isEqualTo(IsolationLevel.READ_COMMITTED);
        assertThat(text("SHOW default_transaction_isolation")).as("the session's level is untouched")
                .isEqualTo("read committed");
        assertThat(text("SELECT current_setting('transaction_isolation')")).isEqualTo("read committed");
    }

    @Test
    void aCommitThatTheServerTurnedIntoARollbackFails() {
        Mono.from(connection.beginTransaction()).block(WAIT);
        run(connection.createStatement("INSERT INTO " + table + " VALUES ($1, 'a')").bind(0, 1));
        // the caller handles a failed statement and carries on: the server has marked the transaction failed
        Flux.from(connection.createStatement("SELECT 1 / 0").execute()).flatMap(Result::getRowsUpdated)
                .onErrorResume(e -> Mono.empty()).blockLast(WAIT);
        StepVerifier.create(Mono.from(connection.commitTransaction()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(io.r2dbc.spi.R2dbcRollbackException.class)
                        .hasMessageContaining("rolled back, not committed"))
                .verify(WAIT);
        assertThat(count()).isZero();
        assertThat(connection.isIdleOutsideTransaction()).isTrue();
        Mono.from(connection.beginTransaction()).block(WAIT);
        run(connection.createStatement("INSERT INTO " + table + " VALUES ($1, 'b')").bind(0, 2));
        Mono.from(connection.commitTransaction()).block(WAIT);
        assertThat(count()).as("a later transaction commits as usual").isEqualTo(1);
    }

    @Test
    void aStatementMadeStaleByASchemaChangeInATransactionIsPreparedAgainOnItsNextUse() {
        String sql = "SELECT * FROM " + table + " WHERE id = $1";
        server.execute("INSERT INTO " + table + " VALUES (1, 'a')");
        run(connection.createStatement(sql).bind(0, 1));
        server.execute("ALTER TABLE " + table + " ADD COLUMN w int");
        for (int attempt = 0; attempt < 2; attempt++) {
            Mono.from(connection.beginTransaction()).block(WAIT);
            Statement s = connection.createStatement(sql).bind(0, 1);
            if (attempt == 0) {
                // inside the transaction the failure cannot be healed: it aborted the transaction
                StepVerifier.create(Flux.from(s.execute()).flatMap(Result::getRowsUpdated))
                        .expectErrorSatisfies(e -> assertThat(((R2dbcException) e).getSqlState()).isEqualTo("0A000"))
                        .verify(WAIT);
                Mono.from(connection.rollbackTransaction()).block(WAIT);
            } else {
                List<Integer> columns = Flux.from(s.execute())
                        .flatMap(r -> r.map((row, m) -> m.getColumnMetadatas().size())).collectList().block(WAIT);
                assertThat(columns).as("prepared again, not failing until the connection drops it").containsExactly(3);
                Mono.from(connection.commitTransaction()).block(WAIT);
            }
        }
        assertThat(run(connection.createStatement(sql).bind(0, 1))).containsExactly(1L);
    }

    @Test
    void aStatementTheServerForgotWithoutTheClientSeeingIsPreparedAgain() {
        String sql = "SELECT count(*) FROM " + table + " WHERE id = $1";
        run(connection.createStatement(sql).bind(0, 1));
        // DEALLOCATE ALL inside a DO block: the client sees the tag DO, so its cache still names the statement
        run(connection.createStatement("DO $$ BEGIN EXECUTE 'DEALLOCATE ALL'; END $$"));
        long parses = stats.parses;
        List<Long> counts = Flux.from(connection.createStatement(sql).bind(0, 1).execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, Long.class))).collectList().block(WAIT);
        assertThat(counts).as("26000, prepared again transparently").containsExactly(0L);
        assertThat(stats.parses).as("the cached name failed with 26000; parsed again under it").isEqualTo(parses + 1);
    }

    @Test
    void pipelinedStatementsShareFlushesAndAnswerInOrder() {
        long flushes = stats.flushes;
        List<Integer> values = Flux.range(0, 20)
                .flatMapSequential(i -> Flux.from(connection.createStatement("SELECT $1::int").bind(0, i).execute())
                        .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))), 20)
                .collectList().block(WAIT);
        assertThat(values).hasSize(20).isSorted();
        assertThat(stats.flushes - flushes).as("20 statements submitted at once").isLessThan(20);
    }
}
