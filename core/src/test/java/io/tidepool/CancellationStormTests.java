package io.tidepool;

import io.r2dbc.spi.Connection;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.util.RaceTestUtils;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of operations cancelled at random points, in the ways real pipelines cancel: a timeout, a take, a failing
 * zip sibling, a dispose. Afterwards nothing is borrowed, the server sees no more backends than the pool's maximum,
 * none idle in transaction, and the pool still serves.
 */
@Timeout(300)
class CancellationStormTests extends PoolTest {

    private static final int OPERATIONS = 10_000;
    private static final int MAX_SIZE = 8;

    private static Flux<Integer> work(Connection c, int kind) {
        return switch (kind % 4) {
            case 0 -> queryOne(c, "SELECT 1", Integer.class).flux();
            case 1 -> Flux.from(c.createStatement("SELECT g FROM generate_series(1, 200) g").execute())
                    .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class)));
            case 2 -> Mono.from(c.beginTransaction())
                    .then(queryOne(c, "SELECT count(*)::int FROM pg_class", Integer.class))
                    .flux();
            default -> queryOne(c, "SELECT pg_sleep(0.002)::text", String.class).map(String::length).flux();
        };
    }

    /**
     * Operation {@code i}, cut short as its own random (from the storm's seed and {@code i}) says: each operation's
     * choices are fixed by the seed, whatever thread or order the storm runs them in.
     */
    private Mono<Void> cancelledAtRandom(long seed, int i) {
        SplittableRandom random = new SplittableRandom(seed + i * 0x9E3779B97F4A7C15L);
        int how = random.nextInt(5);
        int timeoutMillis = random.nextInt(1, 6);
        int taken = random.nextInt(1, 3);
        int delayMillis = random.nextInt(0, 4);
        Flux<Integer> op = i % 2 == 0 ? pool.withConnection(c -> work(c, i)) : pool.inTransaction(c -> work(c, i));
        return switch (how) {
            case 0 -> op.timeout(Duration.ofMillis(timeoutMillis)).then();
            case 1 -> op.take(taken).then();
            case 2 -> Mono.zip(op.then(Mono.just(1)),
                    Mono.delay(Duration.ofMillis(delayMillis)).then(Mono.<Integer>error(
                            new IllegalStateException("sibling failed")))).then();
            case 3 -> Mono.create(sink -> {
                Disposable d = op.subscribe(null, sink::error, sink::success);
                Schedulers.parallel().schedule(() -> {
                    d.dispose();
                    sink.success();
                }, delayMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
            });
            default -> op.then();
        };
    }

    @Test
    void tenThousandRandomlyCancelledOperationsLeakNothing(TestInfo test) {
        pool = PoolFixture.builder("storm").maxSize(MAX_SIZE).maxPendingAcquires(10_000)
                .acquireTimeout(Duration.ofSeconds(20)).buildPool();
        PoolFixture.assertOnTestClient(pool);
        storm(test, MAX_SIZE);
    }

    /**
     * The same storm on the multiplexed lane: half the operations share its two connections, half pin one of the
     * pool's. No cancel request is ever sent to a shared connection (it could hit another borrower's statement): no
     * operation fails as cancelled, and the lane is left with nothing in flight.
     */
    @Test
    void tenThousandRandomlyCancelledOperationsOnTheMultiplexedLaneLeakNothing(TestInfo test) {
        pool = PoolFixture.builder("storm-lane").maxSize(MAX_SIZE).maxPendingAcquires(10_000)
                .acquireTimeout(Duration.ofSeconds(20)).client(ProtocolClient.NATIVE).multiplex(true)
                .multiplexConnections(2).multiplexMaxConnections(2).buildPool();
        storm(test, MAX_SIZE + 2);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(pool.stats().lane().totalInFlight()).as("statements in flight on the lane").isZero();
            assertThat(pool.stats().lane().waiting()).isZero();
            assertThat(pool.stats().lane().pinned()).isZero();
        });
        assertThat(pool.stats().lane().connections()).isEqualTo(2);
        assertThat(pool.stats().lane().pins()).as("the storm must pin too").isPositive();
    }

    private void storm(TestInfo test, int maxBackends) {
        // logged, and replayed with -Dtidepool.test.seed=...: the seed fixes each operation's way of being cut short
        // (the threads' timing stays the machine's)
        long seed = Seeds.of(test.getDisplayName());
        pool.start().block(Duration.ofSeconds(20));
        AtomicInteger cancelledOnServer = new AtomicInteger();
        Long finished = Flux.range(0, OPERATIONS)
                .flatMap(i -> cancelledAtRandom(seed, i)
                        .doOnError(e -> {
                            if (e instanceof io.r2dbc.spi.R2dbcException r && "57014".equals(r.getSqlState())) {
                                cancelledOnServer.incrementAndGet();
                            }
                        })
                        .onErrorResume(e -> Mono.empty()).thenReturn(i), 32)
                .count()
                .block(Duration.ofSeconds(240));

        assertThat(finished).as("seed %d", seed).isEqualTo(OPERATIONS);
        assertThat(cancelledOnServer).as("operations that a cancel request meant for another hit, seed %d", seed)
                .hasValue(0);
        assertNoLeak(pool, maxBackends);
        // the storm must reach connections, not only cancel callers still waiting in the queue
        assertThat(pool.stats().acquires()).as("seed %d", seed).isGreaterThan(OPERATIONS / 5);
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT 42", Integer.class)).blockLast(Duration.ofSeconds(10)))
                .isEqualTo(42);
    }

    @Test
    void aWaiterCancelledAsAConnectionIsHandedToItLeavesNothingBorrowed() {
        // the return hands the only connection to the waiter while the waiter cancels: whichever wins, the connection
        // must end up back in the pool (a sink that dropped the hand-over kept it borrowed for good)
        pool = PoolFixture.builder("handover").maxSize(1).acquireTimeout(Duration.ofSeconds(5)).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        for (int i = 0; i < 1_000; i++) {
            Connection held = pool.create().block(Duration.ofSeconds(10));
            Disposable waiting = pool.withConnection(c -> Mono.just(1)).subscribe();
            org.awaitility.Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                    .atMost(Duration.ofSeconds(5)).until(() -> pool.stats().pending() == 1);
            RaceTestUtils.race(waiting::dispose, () -> Mono.from(held.close()).block(Duration.ofSeconds(10)));
            org.awaitility.Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                    .atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(pool.stats().acquired()).as("borrowed after round").isZero());
        }
        assertNoLeak(pool, 1);
    }

    @Test
    void disposeRacingWithCompletionReturnsEveryConnectionExactlyOnce() {
        pool = PoolFixture.builder("race").maxSize(2).acquireTimeout(Duration.ofSeconds(20)).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        AtomicInteger returned = new AtomicInteger();
        AtomicInteger acquired = new AtomicInteger();
        pool.addListener(new PoolListener() {
            @Override
            public void connectionAcquired(String name, Duration waited) {
                acquired.incrementAndGet();
            }

            @Override
            public void connectionReturned(String name, Duration held, boolean discarded) {
                returned.incrementAndGet();
            }
        });

        for (int i = 0; i < 2_000; i++) {
            Disposable running = pool.withConnection(c -> Mono.just(1)).subscribe();
            Disposable other = pool.create().flatMap(c -> Mono.from(c.close())).subscribe();
            RaceTestUtils.race(running::dispose, other::dispose);
        }

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(returned.get()).isEqualTo(acquired.get()));
        assertNoLeak(pool, 2);
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT 42", Integer.class)).blockLast(Duration.ofSeconds(10)))
                .isEqualTo(42);
    }
}
