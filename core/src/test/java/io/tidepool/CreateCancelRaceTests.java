package io.tidepool;

import io.r2dbc.spi.Connection;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.util.RaceTestUtils;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A connection that {@code create()} delivers just as its caller gives up (a {@code timeout} downstream fires, a
 * subscriber is disposed) reaches no one: the pool must take it back. Raced thousands of times on the real server.
 */
@Timeout(180)
class CreateCancelRaceTests extends PoolTest {

    private static final Logger log = LoggerFactory.getLogger(CreateCancelRaceTests.class);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int ITERATIONS = 4_000;
    private static final Duration BUDGET = Duration.ofSeconds(60);

    @Test
    void aConnectionDeliveredAsTheCallerCancelsIsReturnedToThePool() {
        long seed = Long.getLong("tidepool.race.seed", System.nanoTime());
        log.info("create/cancel race | seed {} (rerun with -Dtidepool.race.seed={})", seed, seed);
        Random random = new Random(seed);
        pool = PoolFixture.builder("create-race").maxSize(1).acquireTimeout(Duration.ofSeconds(5))
                .validationDisabled().buildPool();
        pool.start().block(WAIT);

        AtomicInteger received = new AtomicInteger();
        int iterations = 0;
        long started = System.nanoTime();
        while (iterations < ITERATIONS && System.nanoTime() - started < BUDGET.toNanos()) {
            int iteration = iterations++;
            // the only connection is held, so the caller below waits for it, and gets it when it is closed
            Connection held = pool.create().block(WAIT);
            assertThat(held).as("iteration %d, seed %d: the previous round left the connection borrowed",
                    iteration, seed).isNotNull();
            boolean timeout = random.nextBoolean();
            Mono<Connection> caller = timeout
                    ? pool.create().timeout(Duration.ofNanos(30_000 + random.nextInt(500_000)))
                    : pool.create();
            // whoever gets the connection closes it: anything left borrowed afterwards is the pool's leak
            Disposable subscription = caller.subscribe(c -> {
                received.incrementAndGet();
                Mono.from(c.close()).subscribe();
            }, e -> { });
            if (!timeout) {
                // (a short timeout may already have fired)
                assertThat(pool.stats().pending()).as("iteration %d: the caller waits", iteration).isEqualTo(1);
            }
            int spins = random.nextInt(2_000);
            if (timeout) {
                // the timeout fires on its timer thread while this thread returns the connection to the caller
                RaceTestUtils.race(() -> spin(spins), () -> Mono.from(held.close()).block(WAIT));
            } else {
                RaceTestUtils.race(() -> {
                    spin(spins);
                    subscription.dispose();
                }, () -> Mono.from(held.close()).block(WAIT));
            }
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(WAIT)
                    .untilAsserted(() -> assertThat(pool.stats().acquired() + pool.stats().pending())
                            .as("iteration %d (%s), seed %d: borrowed or waiting after the round", iteration,
                                    timeout ? "timeout" : "dispose", seed).isZero());
            subscription.dispose();
        }

        // every round lends the held connection once; a delivery to the caller was taken or dropped (and returned)
        long deliveries = pool.stats().acquires() - iterations;
        log.info("create/cancel race | {} iterations in {} ms: {} deliveries to the caller, {} taken, {} dropped "
                        + "by a cancelled caller and taken back by the pool", iterations,
                Duration.ofNanos(System.nanoTime() - started).toMillis(), deliveries, received.get(),
                deliveries - received.get());
        assertThat(iterations).as("enough rounds within the time budget").isGreaterThanOrEqualTo(1_000);
        assertThat(deliveries).isBetween((long) received.get(), (long) iterations);
        PoolFixture.assertNoLeak(pool, 1);
        // and the pool still serves
        assertThat(pool.withConnection(io.tidepool.testing.Sql::backendPid).blockLast(WAIT)).isPositive();
    }

    @Test
    void aConnectionTakenWithTakeOneOrNextIsTheCallersNotReturnedByItsCancel() {
        // take(1) and next() cancel their upstream as they take the value: that cancel must not return the lease
        pool = PoolFixture.builder("create-take").maxSize(1).buildPool();
        Connection taken = Flux.from(pool.create()).take(1).blockLast(WAIT);
        assertThat(pool.stats().acquired()).isEqualTo(1);
        assertThat(io.tidepool.testing.Sql.backendPid(taken).block(WAIT)).isPositive();
        Mono.from(taken.close()).block(WAIT);

        Connection next = Flux.from(pool.create()).next().block(WAIT);
        assertThat(pool.stats().acquired()).isEqualTo(1);
        assertThat(io.tidepool.testing.Sql.backendPid(next).block(WAIT)).isPositive();
        Mono.from(next.close()).block(WAIT);
        PoolFixture.assertNoLeak(pool, 1);
    }

    private static void spin(int times) {
        for (int i = 0; i < times; i++) {
            Thread.onSpinWait();
        }
    }
}
