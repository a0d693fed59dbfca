package io.tidepool.fast;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ConnectionCreateTimeoutException;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.error.PoolClosedException;
import io.tidepool.error.PoolPendingLimitException;
import io.tidepool.testing.FakeConnectionFactory;
import io.tidepool.testing.FakeConnectionFactory.Behavior;
import io.tidepool.testing.FakeConnectionFactory.Exchange;
import io.tidepool.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static io.tidepool.fast.FastPools.assertNothingBorrowed;
import static io.tidepool.fast.FastPools.assertSettledAfterClose;
import static io.tidepool.fast.FastPools.closeOnVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acquire on a scripted fake and virtual time: its deadline, the order waiters are served in, the bound on
 * waiters, a slow or failing create, and a closed pool.
 */
@Tag("fast")
@Timeout(20)
class AcquireFastTests {

    private static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(2);

    private final FakeConnectionFactory fake = new FakeConnectionFactory();
    private final ManualClock clock = new ManualClock();
    private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
    private TidepoolPool pool;

    private TidepoolPool pool(int maxSize) {
        pool = FastPools.builder(fake, clock, scheduler).maxSize(maxSize).acquireTimeout(ACQUIRE_TIMEOUT)
                .maxPendingAcquires(3).createTimeout(Duration.ofSeconds(5)).buildPool();
        return pool;
    }

    @AfterEach
    void closeAndCheck() {
        if (pool != null) {
            closeOnVirtualTime(pool, clock, scheduler, Duration.ofMinutes(1));
            assertSettledAfterClose(pool, fake, "after the test");
        }
        scheduler.dispose();
    }

    private void elapse(Duration by) {
        FastPools.elapse(clock, scheduler, by);
    }

    @Test
    void aWaiterTimesOutExactlyAtItsDeadlineOnVirtualTime() {
        pool(1);
        Connection held = pool.create().block();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.create().subscribe(c -> Mono.from(c.close()).subscribe(), failure::set);
        assertThat(pool.stats().pending()).isEqualTo(1);

        elapse(ACQUIRE_TIMEOUT.minusMillis(1));
        assertThat(failure.get()).as("1 ms before the deadline").isNull();
        assertThat(pool.stats().pending()).isEqualTo(1);

        elapse(Duration.ofMillis(1));
        assertThat(failure.get()).isInstanceOf(PoolAcquireTimeoutException.class);
        assertThat(pool.stats().timeouts()).isEqualTo(1);
        assertThat(pool.stats().pending()).isZero();

        Mono.from(held.close()).block();
        assertNothingBorrowed(pool, "after the held connection came back");
        assertThat(fake.creates()).as("the timeout opened nothing").isEqualTo(1);
    }

    @Test
    void waitersAreServedOldestFirst() {
        pool(1);
        Connection held = pool.create().block();
        List<Integer> served = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            int waiter = i;
            pool.withConnection(c -> Mono.fromRunnable(() -> served.add(waiter))).subscribe();
        }
        assertThat(pool.stats().pending()).isEqualTo(3);

        Mono.from(held.close()).block();

        assertThat(served).containsExactly(0, 1, 2);
        assertNothingBorrowed(pool, "after every waiter was served");
        assertThat(fake.creates()).as("one connection served them all").isEqualTo(1);
    }

    @Test
    void oneWaiterBeyondMaxPendingAcquiresFailsAtOnce() {
        pool(1);
        Connection held = pool.create().block();
        for (int i = 0; i < 3; i++) {
            pool.create().subscribe(c -> Mono.from(c.close()).subscribe());
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.create().subscribe(c -> Mono.from(c.close()).subscribe(), failure::set);

        assertThat(failure.get()).isInstanceOf(PoolPendingLimitException.class);
        assertThat(pool.stats().pending()).isEqualTo(3);
        Mono.from(held.close()).block();
        assertNothingBorrowed(pool, "after the waiters were served");
    }

    @Test
    void aCreateSlowerThanTheAcquireDeadlineTimesTheCallerOutAndLandsIdle() {
        fake.next(Exchange.CREATE, Behavior.after(Duration.ofSeconds(3), scheduler));
        pool(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.create().subscribe(c -> Mono.from(c.close()).subscribe(), failure::set);

        elapse(ACQUIRE_TIMEOUT);
        assertThat(failure.get()).isInstanceOf(PoolAcquireTimeoutException.class);
        assertThat(fake.creates()).as("still opening").isZero();

        elapse(Duration.ofSeconds(1));
        assertThat(fake.creates()).isEqualTo(1);
        assertThat(pool.stats().idle()).as("the late connection is idle, not lost").isEqualTo(1);
        assertNothingBorrowed(pool, "after the late create");
    }

    @Test
    void aCreateThatAnswersAfterCreateTimeoutFailsTheCallerAndItsLateConnectionIsClosed() {
        FakeConnectionFactory.Gate gate = Behavior.hang();
        fake.next(Exchange.CREATE, gate);
        pool = FastPools.builder(fake, clock, scheduler).maxSize(1).acquireTimeout(Duration.ofSeconds(10))
                .createTimeout(Duration.ofSeconds(1)).buildPool();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.create().subscribe(c -> Mono.from(c.close()).subscribe(), failure::set);
        assertThat(gate.held()).isEqualTo(1);

        elapse(Duration.ofSeconds(1));
        assertThat(failure.get()).isInstanceOf(ConnectionCreateTimeoutException.class);
        assertThat(pool.stats().createFailures()).isEqualTo(1);

        // the open is not cut short (a half-open socket would stay behind): its connection, when it comes, is closed
        gate.open();
        assertThat(fake.creates()).isEqualTo(1);
        assertThat(fake.connections().get(0).closes()).as("the late connection was closed").isEqualTo(1);
        assertThat(pool.stats().allocated()).isZero();
        // the pool has no connection and its database looked down: the next caller, once due, probes it
        elapse(Duration.ofSeconds(30));
        assertThat(pool.withConnection(c -> Mono.just(1)).blockLast()).as("the next open works").isEqualTo(1);

        closeOnVirtualTime(pool, clock, scheduler, Duration.ofMinutes(1));
        assertNothingBorrowed(pool, "after close");
        assertThat(pool.stats().destroys()).isEqualTo(pool.stats().creates()).isEqualTo(1);
        assertThat(fake.closes()).isEqualTo(fake.creates()).isEqualTo(2);
        pool = null;
    }

    @Test
    void aFailingCreateFailsTheCallerAndTheNextAcquireOpensAgain() {
        fake.next(Exchange.CREATE, Behavior.fail(() -> new R2dbcNonTransientResourceException("refused", "08001")));
        pool(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        pool.create().subscribe(c -> Mono.from(c.close()).subscribe(), failure::set);

        assertThat(failure.get()).isInstanceOf(R2dbcNonTransientResourceException.class);
        assertThat(pool.stats().createFailures()).isEqualTo(1);
        assertNothingBorrowed(pool, "after the failed create");
        // the pool has no connection and its database looked down: the next caller is the one that probes it
        elapse(Duration.ofSeconds(30));
        assertThat(pool.withConnection(c -> Mono.just(1)).blockLast()).isEqualTo(1);
        assertThat(fake.createAttempts()).isEqualTo(2);
    }

    @Test
    void aClosedPoolFailsNewCallersAndWaitersAtOnce() {
        pool(1);
        Connection held = pool.create().block();
        AtomicReference<Throwable> waiter = new AtomicReference<>();
        pool.create().subscribe(c -> Mono.from(c.close()).subscribe(), waiter::set);

        var closed = pool.close().toFuture();
        assertThat(waiter.get()).as("the waiter").isInstanceOf(PoolClosedException.class);
        AtomicReference<Throwable> late = new AtomicReference<>();
        pool.create().subscribe(c -> Mono.from(c.close()).subscribe(), late::set);
        assertThat(late.get()).as("a caller after close()").isInstanceOf(PoolClosedException.class);
        assertThat(closed).as("close() waits for the borrowed connection").isNotDone();

        Mono.from(held.close()).block();
        closeOnVirtualTime(pool, clock, scheduler, Duration.ofSeconds(1));
        assertSettledAfterClose(pool, fake, "after close");
    }
}
