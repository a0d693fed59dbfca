package io.tidepool.fast;

import io.tidepool.PoolConfiguration;
import io.tidepool.PoolListener;
import io.tidepool.stats.PoolStats;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.FakeConnectionFactory;
import io.tidepool.testing.ManualClock;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pools on a {@link FakeConnectionFactory} and virtual time, through the public API only: no server, no wall clock.
 * Every timer (acquire deadline, create and reset timeouts, retry backoff, close's drain) runs on the
 * {@link VirtualTimeScheduler} when the test moves it; idle times and lifetimes read the {@link ManualClock}.
 */
final class FastPools {

    private FastPools() {
    }

    /** A pool on {@code fake} and virtual time; validation, keepalive, idle eviction and lifetime are off. */
    static PoolConfiguration.Builder builder(FakeConnectionFactory fake, ManualClock clock,
                                             VirtualTimeScheduler scheduler) {
        return PoolConfiguration.builder().connectionFactory(fake).name("fast").clock(clock).scheduler(scheduler)
                .validationDisabled().keepaliveDisabled().idleEvictionDisabled().maxLifetimeDisabled();
    }

    /** Moves the clock and the timers together. */
    static void elapse(ManualClock clock, VirtualTimeScheduler scheduler, Duration by) {
        clock.advance(by);
        scheduler.advanceTimeBy(by);
    }

    /**
     * Closes the pool on virtual time: close() polls for borrowed connections on the pool's scheduler, so virtual time
     * moves 10 ms at a time (close's own deadlines are virtual too) until it completes, at most {@code within}.
     */
    static void closeOnVirtualTime(TidepoolPool pool, ManualClock clock, VirtualTimeScheduler scheduler,
                                   Duration within) {
        CompletableFuture<Void> closed = pool.close().toFuture();
        Duration step = Duration.ofMillis(10);
        for (long waited = 0; !closed.isDone() && waited <= within.toMillis(); waited += step.toMillis()) {
            elapse(clock, scheduler, step);
        }
        assertThat(closed).as("close() completed within %s of virtual time", within).isDone();
        closed.join();
    }

    /** Live state: nothing borrowed, nobody waiting. */
    static void assertNothingBorrowed(TidepoolPool pool, String context) {
        PoolStats s = pool.stats();
        assertThat(s.acquired()).as("borrowed, %s: %s", context, s).isZero();
        assertThat(s.pending()).as("pending, %s: %s", context, s).isZero();
    }

    /**
     * After close: nothing borrowed, nothing pending, nothing allocated; the pool closed every connection it opened,
     * and the fake agrees: as many opened as the pool counted, each closed exactly once.
     */
    static void assertSettledAfterClose(TidepoolPool pool, FakeConnectionFactory fake, String context) {
        PoolStats s = pool.stats();
        assertNothingBorrowed(pool, context);
        assertThat(s.allocated()).as("allocated, %s: %s", context, s).isZero();
        assertThat(s.destroys()).as("destroys == creates, %s: %s", context, s).isEqualTo(s.creates());
        assertThat(fake.creates()).as("fake's creates == pool's, %s", context).isEqualTo(s.creates());
        assertThat(fake.closes()).as("fake's closes == its creates, %s", context).isEqualTo(fake.creates());
        assertThat(fake.connections()).as("each connection closed exactly once, %s", context)
                .allSatisfy(c -> assertThat(c.closes()).isEqualTo(1));
    }

    /** Counts hand-outs and returns: a return happens exactly once per hand-out. */
    static final class Returns implements PoolListener {

        final AtomicInteger acquired = new AtomicInteger();
        final AtomicInteger returned = new AtomicInteger();
        final AtomicInteger discarded = new AtomicInteger();
        final AtomicInteger workFailed = new AtomicInteger();

        @Override
        public void connectionAcquired(String pool, Duration waited) {
            acquired.incrementAndGet();
        }

        @Override
        public void connectionReturned(String pool, Duration held, boolean discarded) {
            returned.incrementAndGet();
            if (discarded) {
                this.discarded.incrementAndGet();
            }
        }

        @Override
        public void workFailed(String pool, Throwable error) {
            workFailed.incrementAndGet();
        }
    }
}
