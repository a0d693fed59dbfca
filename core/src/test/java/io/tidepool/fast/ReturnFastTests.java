package io.tidepool.fast;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.Result;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ConnectionReturnedException;
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
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.test.util.RaceTestUtils;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static io.tidepool.fast.FastPools.assertNothingBorrowed;
import static io.tidepool.fast.FastPools.assertSettledAfterClose;
import static io.tidepool.fast.FastPools.closeOnVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The return, on a scripted fake: exactly once whatever ends the borrower's pipeline, with a ROLLBACK only when the
 * borrowing may have left a transaction or a conversation open, and a discard when the connection cannot be trusted.
 */
@Tag("fast")
@Timeout(20)
class ReturnFastTests {

    private static final Duration VALIDATION_TIMEOUT = Duration.ofSeconds(1);

    private final FakeConnectionFactory fake = new FakeConnectionFactory();
    private final ManualClock clock = new ManualClock();
    private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
    private final FastPools.Returns returns = new FastPools.Returns();
    private TidepoolPool pool;

    @BeforeEach
    void buildPool() {
        pool = FastPools.builder(fake, clock, scheduler).maxSize(2).validationTimeout(VALIDATION_TIMEOUT)
                .closeTimeout(Duration.ofSeconds(5)).buildPool();
        pool.addListener(returns);
    }

    @AfterEach
    void closeAndCheck() {
        closeOnVirtualTime(pool, clock, scheduler, Duration.ofMinutes(1));
        assertSettledAfterClose(pool, fake, "after the test");
        assertThat(returns.returned.get()).as("one return per hand-out").isEqualTo(returns.acquired.get());
        scheduler.dispose();
    }

    private FakeConnection only() {
        assertThat(fake.connections()).hasSize(1);
        return fake.connections().get(0);
    }

    private static Flux<Integer> select(Connection c) {
        return Flux.from(c.createStatement("SELECT 1").execute()).flatMap(r -> r.map((row, m) -> row.get(0,
                Integer.class)));
    }

    @Test
    void aCompletedPipelineReturnsOnceWithNoRoundTrip() {
        assertThat(pool.withConnection(ReturnFastTests::select).collectList().block()).containsExactly(1);

        assertThat(returns.returned.get()).isEqualTo(1);
        assertThat(only().count(Exchange.ROLLBACK)).as("a clean return needs no ROLLBACK").isZero();
        assertThat(pool.stats().idle()).isEqualTo(1);
        assertNothingBorrowed(pool, "after the pipeline");
    }

    @Test
    void aFailedPipelineReturnsOnceRolledBack() {
        IllegalStateException boom = new IllegalStateException("the work failed");
        assertThatThrownBy(() -> pool.withConnection(c -> select(c).then(Mono.error(boom))).blockLast())
                .isSameAs(boom);

        assertThat(returns.returned.get()).isEqualTo(1);
        assertThat(returns.workFailed.get()).isEqualTo(1);
        assertThat(only().count(Exchange.ROLLBACK)).isEqualTo(1);
        assertThat(pool.stats().idle()).as("reset and kept").isEqualTo(1);
        assertThat(pool.stats().discards()).isZero();
    }

    @Test
    void aPipelineFailedByABrokenConnectionDiscardsIt() {
        fake.next(Exchange.STATEMENT, Behavior.fail(() -> new R2dbcNonTransientResourceException("gone", "08006")));
        assertThatThrownBy(() -> pool.withConnection(ReturnFastTests::select).blockLast())
                .isInstanceOf(R2dbcNonTransientResourceException.class);

        assertThat(returns.returned.get()).isEqualTo(1);
        assertThat(returns.discarded.get()).isEqualTo(1);
        assertThat(only().closes()).as("closed, once").isEqualTo(1);
        assertThat(only().count(Exchange.ROLLBACK)).as("no round trip on a broken connection").isZero();
        assertThat(pool.stats().discards()).isEqualTo(1);
        assertThat(pool.stats().allocated()).isZero();
    }

    @Test
    void aCancelledPipelineReturnsOnceAfterItsHeldStatementIsCancelled() {
        FakeConnectionFactory.Gate gate = Behavior.hang();
        fake.next(Exchange.STATEMENT, gate);
        Disposable running = pool.withConnection(ReturnFastTests::select).subscribe();
        assertThat(gate.held()).isEqualTo(1);
        assertThat(pool.stats().acquired()).isEqualTo(1);

        running.dispose();

        assertThat(gate.cancelled()).isEqualTo(1);
        assertThat(returns.returned.get()).isEqualTo(1);
        assertThat(only().count(Exchange.ROLLBACK)).as("cut short: rolled back before reuse").isEqualTo(1);
        assertThat(pool.stats().idle()).isEqualTo(1);
        running.dispose();
        assertThat(returns.returned.get()).as("a second dispose returns nothing").isEqualTo(1);
    }

    @Test
    void aLentConnectionClosedTwiceReturnsOnceAndIsFencedOff() {
        Connection lent = pool.create().block();
        Mono.from(lent.close()).block();
        Mono.from(lent.close()).block();

        assertThat(returns.returned.get()).isEqualTo(1);
        assertThatThrownBy(() -> lent.createStatement("SELECT 1")).isInstanceOf(ConnectionReturnedException.class);
        assertThat(pool.stats().idle()).isEqualTo(1);
    }

    @Test
    void aConnectionLeftInATransactionIsRolledBackOnReturn() {
        pool.withConnection(c -> Mono.from(c.beginTransaction()).thenMany(select(c))).blockLast();

        assertThat(only().count(Exchange.BEGIN)).isEqualTo(1);
        assertThat(only().count(Exchange.ROLLBACK)).isEqualTo(1);
        assertThat(only().inTransaction()).as("returned out of any transaction").isFalse();
        assertThat(pool.stats().idle()).isEqualTo(1);
    }

    @Test
    void aResetThatHangsPastTheValidationTimeoutDiscardsTheConnection() {
        FakeConnectionFactory.Gate rollback = Behavior.hang();
        fake.next(Exchange.ROLLBACK, rollback);
        // the pipeline completes once its return is done: subscribe, do not block
        var done = pool.withConnection(c -> Mono.from(c.beginTransaction())).then().toFuture();
        assertThat(rollback.held()).isEqualTo(1);
        assertThat(done).isNotDone();
        assertThat(returns.returned.get()).as("still returning").isZero();

        FastPools.elapse(clock, scheduler, VALIDATION_TIMEOUT.minusMillis(1));
        assertThat(returns.returned.get()).isZero();
        FastPools.elapse(clock, scheduler, Duration.ofMillis(1));

        assertThat(rollback.cancelled()).isEqualTo(1);
        assertThat(done).isDone();
        assertThat(returns.returned.get()).isEqualTo(1);
        assertThat(returns.discarded.get()).isEqualTo(1);
        assertThat(only().closes()).isEqualTo(1);
        assertNothingBorrowed(pool, "after the discard");
    }

    @Test
    void closeReclaimsAConnectionNotReturnedWithinCloseTimeout() {
        Connection lent = pool.create().block();
        var closed = pool.close().toFuture();

        FastPools.elapse(clock, scheduler, Duration.ofMillis(4_900));
        assertThat(closed).as("within closeTimeout").isNotDone();
        for (int i = 0; i < 20 && !closed.isDone(); i++) {
            FastPools.elapse(clock, scheduler, Duration.ofMillis(10));
        }

        assertThat(closed).isDone();
        assertThat(returns.returned.get()).isEqualTo(1);
        assertThatThrownBy(() -> lent.createStatement("SELECT 1")).isInstanceOf(ConnectionReturnedException.class);
        Mono.from(lent.close()).block();
        assertThat(returns.returned.get()).as("the borrower's late close returns nothing").isEqualTo(1);
    }

    @Test
    void theBorrowersCloseRacingItsPipelinesEndReturnsOnce() {
        for (int i = 0; i < 1_000; i++) {
            AtomicReference<Connection> handle = new AtomicReference<>();
            Sinks.One<Integer> end = Sinks.one();
            pool.withConnection(c -> {
                handle.set(c);
                return end.asMono();
            }).subscribe();

            RaceTestUtils.race(() -> end.tryEmitValue(1), () -> Mono.from(handle.get().close()).subscribe());

            assertNothingBorrowed(pool, "round " + i);
            assertThat(returns.returned.get()).as("round %d", i).isEqualTo(i + 1);
        }
    }

    @Test
    void aResultLeftUnreadIsRolledBackOnReturn() {
        // a result emitted and never read: the conversation may be unfinished, so the return rolls back
        pool.withConnection(c -> Flux.from(c.createStatement("SELECT 1").execute()).map(Result.class::cast).then())
                .blockLast();
        assertThat(returns.returned.get()).isEqualTo(1);
        assertThat(only().count(Exchange.ROLLBACK)).isEqualTo(1);
    }
}
