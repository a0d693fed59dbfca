package io.tidepool.multiplex;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One borrower's slow statement or slow reading does not hold up the others on the lane: the statements sent
 * behind a slow one are bounded, and a result read too slowly fails alone instead of pausing the connection.
 */
@Timeout(60)
class LaneFairnessTests extends PoolTest {

    private static final Logger log = LoggerFactory.getLogger(LaneFairnessTests.class);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int DEPTH = 16;

    @Test
    void aSlowStatementHoldsUpAtMostTheStatementsAlreadySentBehindIt() {
        pool = MultiplexTests.multiplexed("lane-slow", 2).multiplexDepth(DEPTH).buildPool();
        pool.start().block(WAIT);
        CompletableFuture<String> slow = pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(3)::text", String.class))
                .next().toFuture();
        await().atMost(WAIT).until(() -> !TestDatabase.get().query("SELECT pid FROM pg_stat_activity WHERE state = "
                + "'active' AND query LIKE '%pg_sleep(3)%' AND application_name = '" + pool.name() + "'").isEmpty());

        AtomicBoolean slowDone = new AtomicBoolean();
        slow.thenRun(() -> slowDone.set(true));
        AtomicInteger afterTheSlowOne = new AtomicInteger();
        Long answered = Flux.range(0, 500)
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class))
                        .doOnNext(v -> {
                            if (slowDone.get()) {
                                afterTheSlowOne.incrementAndGet();
                            }
                        }), DEPTH)
                .count().block(WAIT);

        log.info("lane fairness | 500 statements beside a 3 s pg_sleep on 2 connections: {} answered after it",
                afterTheSlowOne.get());
        assertThat(answered).isEqualTo(500);
        assertThat(afterTheSlowOne.get()).as("statements that waited for the slow one").isLessThan(DEPTH);
        assertThat(slow.join()).isNotNull();
        PoolFixture.assertNoLeak(pool, 2);
    }

    @Test
    void slowStatementsHoldingConnectionsUpMakeTheLaneGrowWithinItsBoundAndShrinkBackWhenIdle() {
        pool = MultiplexTests.multiplexed("lane-grow", 2).multiplexMaxConnections(4).buildPool();
        pool.start().block(WAIT);
        // one connection held up by a long statement while the other moves: the cue to grow
        CompletableFuture<String> slow = pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(2)::text", String.class))
                .next().toFuture();
        AtomicInteger most = new AtomicInteger();
        Long answered = Flux.range(0, 3000)
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class))
                        .doOnNext(v -> most.accumulateAndGet(pool.stats().lane().connections(), Math::max)), DEPTH)
                .count().block(WAIT);
        slow.join();

        log.info("lane growth | 3000 statements beside a 2 s pg_sleep: the lane reached {} connections", most.get());
        assertThat(answered).isEqualTo(3000);
        assertThat(most.get()).as("the lane grew, within multiplexMaxConnections").isBetween(3, 4);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(pool.stats().lane().connections()).as("back to multiplexConnections").isEqualTo(2));
        PoolFixture.awaitBackends(pool, 2);
        PoolFixture.assertNoLeak(pool, 2);
    }

    @Test
    void aStatementThatFindsNoRoomOnTheLaneFailsAfterAcquireTimeoutInsteadOfHanging() {
        pool = MultiplexTests.multiplexed("lane-full", 1).multiplexMaxConnections(1).multiplexDepth(1)
                .acquireTimeout(Duration.ofMillis(500)).buildPool();
        pool.start().block(WAIT);
        CompletableFuture<String> slow = pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(3)::text", String.class))
                .next().toFuture();
        await().atMost(WAIT).until(() -> pool.stats().lane().totalInFlight() == 1);

        long started = System.nanoTime();
        Throwable error = pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)).materialize()
                .filter(signal -> signal.isOnError()).map(signal -> signal.getThrowable()).blockLast(WAIT);
        Duration waited = Duration.ofNanos(System.nanoTime() - started);

        assertThat(error).isInstanceOf(io.tidepool.error.PoolAcquireTimeoutException.class)
                .hasMessageContaining("no connection available after 500 ms");
        assertThat(waited).as("failed at acquireTimeout, within the sweep's quarter").isLessThan(Duration.ofSeconds(2));
        assertThat(pool.stats().timeouts()).isEqualTo(1);
        assertThat(slow.join()).isNotNull();
        PoolFixture.assertNoLeak(pool, 1);
    }

    @Test
    void aResultReadTooSlowlyFailsAloneWhileTheLaneServesEveryoneElse() {
        pool = MultiplexTests.multiplexed("lane-reader", 1).multiplexMaxConnections(1).buildPool();
        pool.start().block(WAIT);

        // a reader that takes one row and then reads nothing more, while 20,000 rows arrive for it
        List<Object> outcome = pool.withConnection(c -> Flux.from(c.createStatement(
                                "SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g").execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0, Integer.class)), 1, 1)
                        .limitRate(1)
                        .delayUntil(row -> pool.withConnection(other -> queryOne(other, "SELECT 1", Integer.class))
                                .then(row == 1 ? Mono.delay(Duration.ofSeconds(2)).then() : Mono.empty())))
                .map(Object.class::cast)
                .onErrorResume(e -> Mono.just(e))
                .collectList().block(WAIT);

        Object last = outcome.get(outcome.size() - 1);
        assertThat(last).isInstanceOf(R2dbcException.class);
        assertThat(((Throwable) last).getMessage()).contains("read too slowly");
        // and the one connection kept answering everyone else meanwhile (the delayUntil's statements above), and after
        assertThat(pool.withConnection(c -> Flux.from(c.createStatement("SELECT 42").execute())
                .flatMap(Result::getRowsUpdated)).count().block(WAIT)).isEqualTo(1);
        PoolFixture.assertNoLeak(pool, 1);
    }
}
