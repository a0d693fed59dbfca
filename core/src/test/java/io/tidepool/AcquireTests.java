package io.tidepool;

import io.tidepool.testing.Sql;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.error.PoolPendingLimitException;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class AcquireTests extends PoolTest {

    @Test
    void anExhaustedPoolTimesOutOnTimeAndSaysWhy() {
        pool = PoolFixture.builder("timeout").maxSize(1).acquireTimeout(Duration.ofMillis(400))
                .validationTimeout(Duration.ofMillis(200)).buildPool();
        pool.start().block(Duration.ofSeconds(10));
        Connection held = pool.create().block(Duration.ofSeconds(10));

        long started = System.nanoTime();
        StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectErrorSatisfies(error -> {
                    long waitedMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
                    assertThat(waitedMillis).as("fires at the timeout, not a multiple of it").isBetween(390L, 1200L);
                    assertThat(error).isInstanceOf(PoolAcquireTimeoutException.class)
                            .isInstanceOf(R2dbcTimeoutException.class)
                            .hasMessage("pool '" + pool.name() + "': no connection available after 400 ms "
                                    + "(allocated=1/1, acquired=1, idle=0, pending=1)");
                    assertThat(((PoolAcquireTimeoutException) error).stats().acquired()).isEqualTo(1);
                })
                .verify(Duration.ofSeconds(10));

        assertThat(pool.stats().timeouts()).isEqualTo(1);
        Mono.from(held.close()).block(Duration.ofSeconds(10));
        assertNoLeak(pool, 1);
        assertThat(pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10))).isPositive();
    }

    @Test
    void waitersTimeOutEachAtItsOwnDeadlineAndACancelledOneDisturbsNone() {
        // the waiters share one timer, armed for the oldest: each must still time out at its own deadline
        pool = PoolFixture.builder("deadlines").maxSize(1).acquireTimeout(Duration.ofMillis(400))
                .validationTimeout(Duration.ofMillis(200)).buildPool();
        pool.start().block(Duration.ofSeconds(10));
        Connection held = pool.create().block(Duration.ofSeconds(10));

        long started = System.nanoTime();
        Mono<Long> first = timedOutAfter(Duration.ZERO, started);
        Mono<Long> second = timedOutAfter(Duration.ofMillis(250), started);
        Mono<Long> cancelled = Mono.delay(Duration.ofMillis(100))
                .then(pool.withConnection(Sql::backendPid).then(Mono.just(-1L)))
                .take(Duration.ofMillis(100)).defaultIfEmpty(0L);
        var outcomes = Mono.zip(first, second, cancelled).block(Duration.ofSeconds(10));

        assertThat(outcomes.getT1()).as("first waiter").isBetween(390L, 1200L);
        assertThat(outcomes.getT2()).as("second waiter, 250 ms later").isBetween(640L, 1500L);
        assertThat(outcomes.getT2() - outcomes.getT1()).as("not both at the first deadline").isGreaterThan(150L);
        assertThat(outcomes.getT3()).as("the cancelled waiter got nothing").isZero();
        assertThat(pool.stats().timeouts()).isEqualTo(2);
        Mono.from(held.close()).block(Duration.ofSeconds(10));
        assertThat(pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10))).isPositive();
        assertNoLeak(pool, 1);
    }

    /** Milliseconds from {@code started} until an acquire begun after {@code delay} timed out. */
    private Mono<Long> timedOutAfter(Duration delay, long started) {
        return Mono.delay(delay)
                .then(pool.withConnection(Sql::backendPid).then(Mono.just(-1L)))
                .onErrorResume(PoolAcquireTimeoutException.class,
                        e -> Mono.just(Duration.ofNanos(System.nanoTime() - started).toMillis()));
    }

    @Test
    void theWaitingQueueIsBoundedAndOneMoreFailsAtOnce() {
        pool = PoolFixture.builder("pending").maxSize(1).maxPendingAcquires(1).buildPool();
        Connection held = pool.create().block(Duration.ofSeconds(10));
        var waiting = pool.withConnection(Sql::backendPid).subscribe();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> pool.stats().pending() == 1);

        StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(PoolPendingLimitException.class)
                        .isInstanceOf(R2dbcTransientResourceException.class)
                        .hasMessageContaining("pool '" + pool.name() + "'")
                        .hasMessageContaining("1"))
                .verify(Duration.ofSeconds(5));

        waiting.dispose();
        Mono.from(held.close()).block(Duration.ofSeconds(10));
        assertNoLeak(pool, 1);
    }

    @Test
    void aConnectionKilledWhileIdleIsReplacedByValidation() {
        pool = PoolFixture.builder("killed-idle").maxSize(2).validateAfterIdle(Duration.ZERO).buildPool();
        Integer first = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));

        assertThat(TestDatabase.get().terminate(pool.name())).isEqualTo(1);

        Integer second = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        assertThat(second).isNotEqualTo(first);
        assertThat(pool.stats().validationFailures()).isEqualTo(1);
        assertNoLeak(pool, 1);
    }

    @Test
    void aConnectionKilledWhileInUseIsDiscardedNotReturned() {
        pool = PoolFixture.builder("killed-busy").maxSize(2).buildPool();

        StepVerifier.create(pool.withConnection(c -> Mono.fromRunnable(() -> TestDatabase.get().terminate(pool.name()))
                        .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())
                        .then(Sql.backendPid(c))))
                .expectError()
                .verify(Duration.ofSeconds(10));

        assertThat(pool.stats().discards()).isEqualTo(1);
        assertThat(pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10))).isPositive();
        assertNoLeak(pool, 1);
    }

    @Test
    void aValidationQueryIsUsedWhenConfigured() {
        pool = PoolFixture.builder("vquery").maxSize(1).validateAfterIdle(Duration.ZERO)
                .validationQuery("SELECT 'tidepool-validation'").buildPool();
        Integer pid = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        pool.withConnection(c -> Mono.just(1)).blockLast(Duration.ofSeconds(10));

        assertThat(PoolFixture.lastQueries(pool)).containsEntry(pid, "SELECT 'tidepool-validation'");
    }
}
