package io.tidepool.error;

import io.r2dbc.spi.Connection;
import io.tidepool.TidepoolPool;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.function.Function;

import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;

/** The categories of the errors a real PostgreSQL raises, and what the pool does with their connections. */
@Timeout(60)
class ErrorClassificationOnServerTests {

    private static TidepoolPool pool;

    @BeforeAll
    static void open() {
        pool = PoolFixture.builder("classify").maxSize(3).buildPool();
        pool.withConnection(c -> run(c, "DROP TABLE IF EXISTS classify_item")
                .then(run(c, "CREATE TABLE classify_item (id int PRIMARY KEY, qty int NOT NULL)"))
                .then(run(c, "INSERT INTO classify_item VALUES (1, 10)"))).blockLast(Duration.ofSeconds(10));
    }

    @AfterAll
    static void close() {
        pool.close().block(Duration.ofSeconds(45));
    }

    private static Throwable errorOf(Function<Connection, Mono<?>> work) {
        Throwable error = pool.withConnection(c -> work.apply(c).then())
                .then(Mono.<Throwable>empty())
                .onErrorResume(Mono::just)
                .block(Duration.ofSeconds(20));
        assertThat(error).as("the work should have failed").isNotNull();
        return error;
    }

    private static void assertCategory(Throwable error, ErrorCategory category, String sqlState) {
        assertThat(ErrorClassifier.defaults().classify(error)).isEqualTo(category);
        assertThat(ErrorClassifier.sqlState(error)).isEqualTo(sqlState);
        assertThat(ErrorClassifier.defaults().describe(error))
                .startsWith(category.description() + " [" + sqlState + "]: ");
    }

    @Test
    void theServersErrorsAreClassifiedAndOnlyBrokenConnectionsAreDiscarded() {
        long discardsBefore = pool.stats().discards();

        assertCategory(errorOf(c -> run(c, "INSERT INTO classify_item VALUES (1, 1)")),
                ErrorCategory.INTEGRITY, "23505");
        assertCategory(errorOf(c -> run(c, "INSERT INTO classify_item VALUES (2, NULL)")),
                ErrorCategory.INTEGRITY, "23502");
        assertCategory(errorOf(c -> run(c, "SELECT * FROM no_such_table")), ErrorCategory.PROGRAMMING, "42P01");
        assertCategory(errorOf(c -> run(c, "SELEC 1")), ErrorCategory.PROGRAMMING, "42601");
        assertCategory(errorOf(c -> run(c, "SELECT 1/0")), ErrorCategory.DATA, "22012");
        assertCategory(errorOf(c -> run(c, "SELECT 'x'::int")), ErrorCategory.DATA, "22P02");
        assertCategory(errorOf(c -> run(c, "BEGIN").then(run(c, "SET LOCAL statement_timeout = 50"))
                        .then(run(c, "SELECT pg_sleep(2)"))),
                ErrorCategory.TIMEOUT, "57014");
        assertThat(pool.stats().discards()).as("none of these cost a connection").isEqualTo(discardsBefore);

        Throwable terminated = errorOf(c -> Mono.fromRunnable(() -> TestDatabase.get().terminate(pool.name()))
                .subscribeOn(Schedulers.boundedElastic()).then(run(c, "SELECT 1")));
        // the driver reports the server's 57P01, or 08006 when it sees the socket close first
        assertThat(ErrorClassifier.defaults().classify(terminated)).isEqualTo(ErrorCategory.TRANSIENT_CONNECTION);
        assertThat(ErrorClassifier.sqlState(terminated)).isIn("57P01", "08006");
        assertThat(pool.stats().discards()).as("a terminated backend is discarded").isGreaterThan(discardsBefore);
        PoolFixture.assertNoLeak(pool, 3);
    }

    @Test
    void aSerializationFailureIsATransactionConflict() {
        Connection first = pool.create().block(Duration.ofSeconds(10));
        Connection second = pool.create().block(Duration.ofSeconds(10));
        try {
            String begin = "BEGIN ISOLATION LEVEL SERIALIZABLE";
            run(first, begin).then(run(first, "SELECT qty FROM classify_item WHERE id = 1"))
                    .then(run(second, begin)).then(run(second, "SELECT qty FROM classify_item WHERE id = 1"))
                    .then(run(first, "UPDATE classify_item SET qty = qty + 1 WHERE id = 1"))
                    .then(run(first, "COMMIT"))
                    .block(Duration.ofSeconds(10));
            Throwable error = run(second, "UPDATE classify_item SET qty = qty + 1 WHERE id = 1")
                    .then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(Duration.ofSeconds(10));
            assertCategory(error, ErrorCategory.TRANSACTION_CONFLICT, "40001");
        } finally {
            Mono.from(first.close()).then(Mono.from(second.close())).block(Duration.ofSeconds(10));
        }
        PoolFixture.assertNoLeak(pool, 3);
    }

    @Test
    void anUnknownDatabaseIsAConfigurationError() {
        TestDatabase db = TestDatabase.get();
        TidepoolPool wrong = TidepoolPool.builder().name("classify-unknown-db")
                .url("r2dbc:postgresql://" + db.user() + ":" + db.password() + "@" + db.host() + ":" + db.port()
                        + "/no_such_database").buildPool();
        try {
            Throwable error = wrong.withConnection(c -> run(c, "SELECT 1")).then(Mono.<Throwable>empty())
                    .onErrorResume(Mono::just).block(Duration.ofSeconds(10));
            assertCategory(error, ErrorCategory.CONFIGURATION, "3D000");
        } finally {
            wrong.close().block(Duration.ofSeconds(30));
        }
    }
}
