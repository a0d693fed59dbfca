package io.tidepool;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.VirtualTimePoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Acquire deadlines and retry budgets are measured in the time of the pool's scheduler: on virtual time, every
 * waiter times out exactly at its own deadline, and a retry budget ends on schedule.
 */
@Timeout(60)
class VirtualTimeDeadlineTests extends VirtualTimePoolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void staggeredWaitersEachTimeOutExactlyAtTheirOwnDeadlineOnVirtualTime() {
        pool = PoolFixture.builder("virtual-deadlines").maxSize(1).acquireTimeout(Duration.ofSeconds(10))
                .validationDisabled().clock(clock).scheduler(scheduler).buildPool();
        Connection held = pool.create().block(WAIT);

        // waiters start at virtual 0 s, 3 s and 7 s; each must fail at its start + 10 s, not when another's did
        long[] startsMillis = {0, 3_000, 7_000};
        var failedAtMillis = new ConcurrentHashMap<Integer, Long>();
        for (int i = 0; i < startsMillis.length; i++) {
            advanceTo(startsMillis[i]);
            int waiter = i;
            pool.create().subscribe(c -> Mono.from(c.close()).subscribe(), e -> {
                if (e instanceof PoolAcquireTimeoutException) {
                    failedAtMillis.put(waiter, scheduler.now(TimeUnit.MILLISECONDS));
                }
            });
            int waiting = i + 1;
            await().atMost(WAIT).until(() -> pool.stats().pending() == waiting);
        }
        // virtual time moves a second at a time: a waiter fails within the second its deadline falls in
        for (long t = 8_000; t <= 30_000; t += 1_000) {
            advanceTo(t);
        }

        assertThat(failedAtMillis).as("each waiter failed at its own deadline, in virtual ms")
                .containsEntry(0, 10_000L).containsEntry(1, 13_000L).containsEntry(2, 17_000L);
        assertThat(pool.stats().timeouts()).isEqualTo(3);
        Mono.from(held.close()).block(WAIT);
        PoolFixture.assertNoLeak(pool, 1);
    }

    private void advanceTo(long virtualMillis) {
        long by = virtualMillis - scheduler.now(TimeUnit.MILLISECONDS);
        if (by > 0) {
            clock.advance(Duration.ofMillis(by));
            scheduler.advanceTimeBy(Duration.ofMillis(by));
        }
    }
}
