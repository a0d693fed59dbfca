package io.tidepool;

import io.tidepool.testing.Sql;
import io.r2dbc.spi.R2dbcException;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tidepool.testing.Sql.queryOne;
import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class RetryTests {

    private TidepoolPool pool;

    @BeforeEach
    void open() {
        pool = PoolFixture.builder("retry").maxSize(3).buildPool();
        pool.withConnection(c -> run(c, "DROP TABLE IF EXISTS retry_counter")
                .then(run(c, "CREATE TABLE retry_counter (id int PRIMARY KEY, n int NOT NULL)"))
                .then(run(c, "INSERT INTO retry_counter VALUES (1, 0)"))).blockLast(Duration.ofSeconds(10));
    }

    @AfterEach
    void close() {
        pool.close().block(Duration.ofSeconds(45));
    }

    /** Another session changes the row this transaction has read, so its own update fails with 40001. */
    private static Mono<Void> concurrentUpdate() {
        return Mono.<Void>fromRunnable(() -> TestDatabase.get().execute("UPDATE retry_counter SET n = n + 100"))
                .subscribeOn(Schedulers.boundedElastic());
    }

    @Test
    void aSerializationFailureRetriesTheWholeTransactionOnAFreshOne() {
        AtomicInteger attempts = new AtomicInteger();

        Integer result = pool.inTransaction(c -> run(c, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                        .then(queryOne(c, "SELECT n FROM retry_counter WHERE id = 1", Integer.class))
                        .flatMap(n -> (attempts.incrementAndGet() == 1 ? concurrentUpdate() : Mono.<Void>empty())
                                .then(run(c, "UPDATE retry_counter SET n = n + 1 WHERE id = 1"))
                                .thenReturn(n)))
                .blockLast(Duration.ofSeconds(20));

        assertThat(attempts).hasValue(2);
        assertThat(result).as("the second attempt read the concurrent update").isEqualTo(100);
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT n FROM retry_counter", Integer.class))
                .blockLast(Duration.ofSeconds(10))).isEqualTo(101);
        PoolFixture.assertNoLeak(pool, 3);
    }

    @Test
    void aConflictThatKeepsHappeningFailsAfterTheLastAttempt() {
        pool.close().block(Duration.ofSeconds(30));
        pool = PoolFixture.builder("retry-exhausted").maxSize(2)
                .transactionRetry(RetryPolicy.builder().maxAttempts(2).build()).buildPool();
        AtomicInteger attempts = new AtomicInteger();

        StepVerifier.create(pool.inTransaction(c -> run(c, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                        .then(queryOne(c, "SELECT n FROM retry_counter WHERE id = 1", Integer.class))
                        .doOnNext(n -> attempts.incrementAndGet())
                        .then(concurrentUpdate())
                        .then(run(c, "UPDATE retry_counter SET n = n + 1 WHERE id = 1"))))
                .expectErrorSatisfies(e -> assertThat(ErrorClassifier.sqlState(e)).isEqualTo("40001"))
                .verify(Duration.ofSeconds(20));
        assertThat(attempts).hasValue(2);
        PoolFixture.assertNoLeak(pool, 2);
    }

    @Test
    void otherErrorsAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();

        StepVerifier.create(pool.inTransaction(c -> Mono.fromRunnable(attempts::incrementAndGet)
                        .then(run(c, "INSERT INTO retry_counter VALUES (1, 5)"))))
                .expectError(R2dbcException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(attempts).hasValue(1);
    }

    @Test
    void idempotentWorkIsRetriedOnABrokenConnection() {
        AtomicInteger attempts = new AtomicInteger();

        Integer answer = pool.withConnection(RetryPolicy.defaults(), c -> Sql.backendPid(c)
                        .flatMap(pid -> attempts.incrementAndGet() == 1
                                ? Mono.fromRunnable(() -> TestDatabase.get().execute(
                                        "SELECT pg_terminate_backend(" + pid + ")"))
                                .subscribeOn(Schedulers.boundedElastic())
                                .then(queryOne(c, "SELECT 1", Integer.class))
                                : queryOne(c, "SELECT 42", Integer.class)))
                .blockLast(Duration.ofSeconds(20));

        assertThat(answer).isEqualTo(42);
        assertThat(attempts).hasValue(2);
        assertThat(pool.stats().discards()).isEqualTo(1);
        PoolFixture.assertNoLeak(pool, 3);
    }

    @Test
    void theRetryPolicyRejectsBadValues() {
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).hasMessage("maxAttempts must be at least 1, was 0");
        assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5)).hasMessage("jitter must be between 0 and 1, was 1.5");
        assertThatThrownBy(() -> RetryPolicy.builder().budget(Duration.ZERO)).hasMessage("budget must be positive, was PT0S");
        assertThatThrownBy(() -> RetryPolicy.builder().firstBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(1))
                .build()).hasMessage("maxBackoff must not be shorter than firstBackoff (PT2S), was PT1S");
    }
}
