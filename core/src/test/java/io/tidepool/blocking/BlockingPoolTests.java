package io.tidepool.blocking;

import io.tidepool.testing.Sql;
import io.tidepool.TidepoolPool;
import io.tidepool.test.PoolFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static io.tidepool.testing.Sql.queryOne;
import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The blocking bridge, called from plain threads only (BlockHound watches every core test). */
@Timeout(60)
class BlockingPoolTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private TidepoolPool pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void runsTheWorkAndWaitsForEveryItemOnAPlainThread() {
        pool = PoolFixture.builder("blocking").maxSize(1).buildPool();
        BlockingPool blocking = BlockingPool.of(pool);

        List<Integer> rows = blocking.withConnection(c -> Sql.queryOne(c,
                "SELECT 42", Integer.class).concatWith(queryOne(c, "SELECT 43", Integer.class)), WAIT);

        assertThat(rows).containsExactly(42, 43);
        assertThat(blocking.withConnection(c -> Mono.empty(), WAIT)).isEmpty();
        assertNoLeak(pool, 1);
    }

    @Test
    void commitsATransactionAndPassesErrorsOn() {
        pool = PoolFixture.builder("blocking-tx").maxSize(1).buildPool();
        BlockingPool blocking = BlockingPool.of(pool);
        String table = "blocking_tx_" + ProcessHandle.current().pid();
        blocking.withConnection(c -> run(c, "CREATE TABLE IF NOT EXISTS " + table + " (v int)"), WAIT);
        try {
            blocking.inTransaction(c -> run(c, "INSERT INTO " + table + " VALUES (1)"), WAIT);
            assertThatThrownBy(() -> blocking.inTransaction(c -> run(c, "INSERT INTO " + table + " VALUES (2)")
                    .then(Mono.error(new IllegalStateException("undo"))), WAIT)).hasMessage("undo");

            assertThat(blocking.withConnection(c -> queryOne(c, "SELECT count(*) FROM " + table, Long.class), WAIT))
                    .containsExactly(1L);
        } finally {
            blocking.withConnection(c -> run(c, "DROP TABLE " + table), WAIT);
        }
        assertNoLeak(pool, 1);
    }

    @Test
    void aTimeoutCancelsTheWorkReturnsTheConnectionAndThrowsATypedError() {
        pool = PoolFixture.builder("blocking-timeout").maxSize(1).buildPool();
        BlockingPool blocking = BlockingPool.of(pool);

        long begun = System.nanoTime();
        assertThatThrownBy(() -> blocking.withConnection(c -> queryOne(c, "SELECT pg_sleep(10)::text", String.class),
                Duration.ofMillis(300)))
                .isInstanceOf(BlockingTimeoutException.class)
                .hasMessage("pool '" + pool.name() + "': the blocking call did not finish within 300 ms; its work "
                        + "was cancelled and its connection returned to the pool")
                .satisfies(e -> assertThat(((BlockingTimeoutException) e).timeout()).isEqualTo(Duration.ofMillis(300)));
        assertThat(Duration.ofNanos(System.nanoTime() - begun)).isLessThan(Duration.ofSeconds(5));

        assertNoLeak(pool, 1);
        assertThat(blocking.withConnection(c -> queryOne(c, "SELECT 7", Integer.class), WAIT)).containsExactly(7);
    }

    @Test
    void refusesOnAReactorNonBlockingThreadBeforeBorrowing() {
        pool = PoolFixture.builder("blocking-refused").maxSize(1).buildPool();
        BlockingPool blocking = BlockingPool.of(pool);

        StepVerifier.create(Mono.fromCallable(() -> blocking.withConnection(c -> queryOne(c, "SELECT 1",
                        Integer.class), WAIT)).subscribeOn(Schedulers.parallel()))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("BlockingPool.withConnection on pool '" + pool.name()
                                + "' must not be called on the non-blocking thread 'parallel-")
                        .hasMessageContaining("waiting there would freeze an event loop"))
                .verify(WAIT);

        assertThat(pool.stats().acquires()).as("nothing borrowed").isZero();
    }

    @Test
    void rejectsATimeoutThatIsNotPositive() {
        pool = PoolFixture.builder("blocking-bad").buildPool();
        assertThatThrownBy(() -> BlockingPool.of(pool).withConnection(c -> Mono.just(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive, was PT0S");
    }
}
