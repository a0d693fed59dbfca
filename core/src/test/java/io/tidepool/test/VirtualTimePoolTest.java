package io.tidepool.test;

import org.junit.jupiter.api.AfterEach;
import reactor.test.scheduler.VirtualTimeScheduler;

import io.tidepool.testing.ManualClock;

import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * A pool test whose pool, built with {@link #clock} and {@link #scheduler}, lives on virtual time: its timers (upkeep,
 * eviction, keepalive) run only when the test moves time with {@link #elapse}. The server stays real.
 */
public abstract class VirtualTimePoolTest extends PoolTest {

    /** The pool's clock: idle times and lifetimes. */
    protected final ManualClock clock = new ManualClock();
    /** The pool's scheduler: its timers. */
    protected final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

    /** Moves the clock and the timers together, then waits until nothing is borrowed (background work is over). */
    protected void elapse(Duration by) {
        clock.advance(by);
        scheduler.advanceTimeBy(by);
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().acquired() == 0);
    }

    /** close() waits for its connections on the pool's scheduler: virtual time must move for it to finish. */
    @AfterEach
    void closeOnVirtualTime() {
        if (pool != null && pool.configuration().scheduler() == scheduler) {
            var closed = pool.close().toFuture();
            // a virtual second per poll: close's own deadlines (closeTimeout, the reset and create timeouts) are
            // virtual too, and a busy machine polls seldom
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                scheduler.advanceTimeBy(Duration.ofSeconds(1));
                return closed.isDone();
            });
        }
    }
}
