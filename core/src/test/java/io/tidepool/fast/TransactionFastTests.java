package io.tidepool.fast;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcRollbackException;
import io.tidepool.RetryPolicy;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.FakeConnectionFactory;
import io.tidepool.testing.FakeConnectionFactory.Behavior;
import io.tidepool.testing.FakeConnectionFactory.Exchange;
import io.tidepool.testing.FakeConnectionFactory.FakeConnection;
import io.tidepool.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.tidepool.fast.FastPools.assertNothingBorrowed;
import static io.tidepool.fast.FastPools.assertSettledAfterClose;
import static io.tidepool.fast.FastPools.closeOnVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code inTransaction} on a scripted fake: commit on success, rollback on error and on cancel, and a lost conflict
 * (SQLSTATE 40001) run again whole on a fresh transaction, its backoff on virtual time.
 */
@Tag("fast")
@Timeout(20)
class TransactionFastTests {

    private static final Duration BACKOFF = Duration.ofSeconds(1);

    private final FakeConnectionFactory fake = new FakeConnectionFactory();
    private final ManualClock clock = new ManualClock();
    private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
    private final FastPools.Returns returns = new FastPools.Returns();
    private final AtomicInteger attempts = new AtomicInteger();
    private TidepoolPool pool;

    @BeforeEach
    void buildPool() {
        // a fixed backoff: the retry waits exactly BACKOFF of virtual time
        RetryPolicy retry = RetryPolicy.builder().maxAttempts(3).firstBackoff(BACKOFF).maxBackoff(BACKOFF).jitter(0)
                .budget(Duration.ofMinutes(1)).build();
        pool = FastPools.builder(fake, clock, scheduler).maxSize(1).transactionRetry(retry).buildPool();
        pool.addListener(returns);
    }

    @AfterEach
    void closeAndCheck() {
        closeOnVirtualTime(pool, clock, scheduler, Duration.ofMinutes(1));
        assertSettledAfterClose(pool, fake, "after the test");
        assertThat(returns.returned.get()).as("one return per hand-out").isEqualTo(returns.acquired.get());
        scheduler.dispose();
    }

    private Flux<Integer> work(Connection c) {
        attempts.incrementAndGet();
        return Flux.from(c.createStatement("UPDATE t SET v = v + 1").execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class)));
    }

    private FakeConnection only() {
        assertThat(fake.connections()).hasSize(1);
        return fake.connections().get(0);
    }

    @Test
    void aTransactionThatSucceedsIsCommittedAndNeedsNoReset() {
        assertThat(pool.inTransaction(this::work).collectList().block()).containsExactly(1);

        FakeConnection c = only();
        assertThat(c.count(Exchange.BEGIN)).isEqualTo(1);
        assertThat(c.count(Exchange.COMMIT)).isEqualTo(1);
        assertThat(c.count(Exchange.ROLLBACK)).isZero();
        assertThat(c.inTransaction()).isFalse();
        assertNothingBorrowed(pool, "after commit");
    }

    @Test
    void aTransactionWhoseWorkFailsIsRolledBackAndNotRetried() {
        fake.next(Exchange.STATEMENT, Behavior.fail(() -> new IllegalStateException("the work failed")));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.inTransaction(this::work).subscribe(v -> { }, failure::set);
        FastPools.elapse(clock, scheduler, BACKOFF.multipliedBy(3));

        assertThat(failure.get()).isInstanceOf(IllegalStateException.class);
        assertThat(attempts.get()).isEqualTo(1);
        FakeConnection c = only();
        assertThat(c.count(Exchange.COMMIT)).isZero();
        assertThat(c.count(Exchange.ROLLBACK)).isEqualTo(1);
        assertThat(c.inTransaction()).isFalse();
        assertThat(pool.stats().idle()).as("rolled back and kept").isEqualTo(1);
    }

    @Test
    void aCancelledTransactionIsRolledBack() {
        FakeConnectionFactory.Gate gate = Behavior.hang();
        fake.next(Exchange.STATEMENT, gate);
        Disposable running = pool.inTransaction(this::work).subscribe();
        assertThat(gate.held()).isEqualTo(1);
        assertThat(only().inTransaction()).isTrue();

        running.dispose();

        FakeConnection c = only();
        assertThat(gate.cancelled()).isEqualTo(1);
        assertThat(c.count(Exchange.COMMIT)).isZero();
        assertThat(c.count(Exchange.ROLLBACK)).isEqualTo(1);
        assertThat(c.inTransaction()).isFalse();
        assertThat(returns.returned.get()).isEqualTo(1);
    }

    @Test
    void aConflictLostAtCommitIsRetriedWholeOnAFreshTransaction() {
        fake.next(Exchange.COMMIT, Behavior.fail(() -> new R2dbcRollbackException("could not serialize access",
                "40001")));
        List<Integer> results = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.inTransaction(this::work).subscribe(results::add, failure::set);

        assertThat(attempts.get()).as("before the backoff").isEqualTo(1);
        assertThat(results).as("nothing emitted before a commit").isEmpty();
        FakeConnection c = only();
        assertThat(c.count(Exchange.ROLLBACK)).as("the failed transaction was rolled back on return").isEqualTo(1);

        FastPools.elapse(clock, scheduler, BACKOFF.minusMillis(1));
        assertThat(attempts.get()).isEqualTo(1);
        FastPools.elapse(clock, scheduler, Duration.ofMillis(1));

        assertThat(failure.get()).isNull();
        assertThat(attempts.get()).isEqualTo(2);
        assertThat(results).as("emitted once, from the attempt that committed").containsExactly(1);
        assertThat(c.count(Exchange.BEGIN)).isEqualTo(2);
        assertThat(c.count(Exchange.COMMIT)).as("commits completed").isEqualTo(1);
        assertThat(c.inTransaction()).isFalse();
        assertThat(returns.returned.get()).isEqualTo(2);
    }

    @Test
    void aConflictLostInTheWorkIsRetried() {
        fake.next(Exchange.STATEMENT, Behavior.fail(() -> new R2dbcRollbackException("deadlock detected", "40P01")));
        List<Integer> results = new CopyOnWriteArrayList<>();
        pool.inTransaction(this::work).subscribe(results::add);
        FastPools.elapse(clock, scheduler, BACKOFF);

        assertThat(attempts.get()).isEqualTo(2);
        assertThat(results).containsExactly(1);
        assertThat(only().count(Exchange.COMMIT)).isEqualTo(1);
    }

    @Test
    void aConflictLostOnEveryAttemptFailsAfterMaxAttempts() {
        fake.always(Exchange.COMMIT, Behavior.fail(() -> new R2dbcRollbackException("could not serialize", "40001")));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.inTransaction(this::work).subscribe(v -> { }, failure::set);
        FastPools.elapse(clock, scheduler, BACKOFF.multipliedBy(5));

        assertThat(failure.get()).isInstanceOf(R2dbcRollbackException.class);
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(only().count(Exchange.ROLLBACK)).isEqualTo(3);
        fake.reset();
    }

    @Test
    void aCommitThatFailedOnABrokenConnectionIsNeverRetried() {
        // whether it committed is unknown: running it again could apply it twice
        fake.next(Exchange.COMMIT, Behavior.fail(() -> new R2dbcNonTransientResourceException("gone", "08006")));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.inTransaction(this::work).subscribe(v -> { }, failure::set);
        FastPools.elapse(clock, scheduler, BACKOFF.multipliedBy(3));

        assertThat(failure.get()).isInstanceOf(R2dbcNonTransientResourceException.class);
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(only().closes()).as("the broken connection was discarded").isEqualTo(1);
        assertThat(returns.discarded.get()).isEqualTo(1);
    }
}
