package io.tidepool;

import io.tidepool.stats.PoolStats;
import io.tidepool.testing.Sql;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static io.tidepool.testing.Sql.backendPid;
import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class PipelineTests extends PoolTest {

    @Test
    void completionReturnsTheConnectionOnceWithNoDiscard() {
        pool = PoolFixture.builder("complete").maxSize(2).buildPool();

        Integer first = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        Integer second = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));

        assertThat(second).as("the same connection serves again").isEqualTo(first);
        PoolStats stats = pool.stats();
        assertThat(stats.acquires()).isEqualTo(2);
        assertThat(stats.creates()).isEqualTo(1);
        assertThat(stats.discards()).isZero();
        assertThat(stats.acquired()).isZero();
        assertThat(stats.idle()).isEqualTo(1);
        assertNoLeak(pool, 1);
    }

    @Test
    void anSqlErrorReturnsTheConnectionOnceAndKeepsIt() {
        pool = PoolFixture.builder("error").maxSize(2).buildPool();
        Integer pid = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));

        StepVerifier.create(pool.withConnection(c -> queryOne(c, "SELECT * FROM no_such_table", Integer.class)))
                .expectError(R2dbcBadGrammarException.class)
                .verify(Duration.ofSeconds(10));

        assertThat(pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10)))
                .as("a bad query does not cost the connection").isEqualTo(pid);
        assertThat(pool.stats().discards()).isZero();
        assertThat(pool.stats().acquires()).isEqualTo(3);
        assertNoLeak(pool, 1);
    }

    @Test
    void anErrorOfTheWorkItselfReturnsTheConnection() {
        pool = PoolFixture.builder("work-error").maxSize(1).buildPool();

        StepVerifier.create(pool.withConnection(c -> backendPid(c).then(Mono.error(new IllegalStateException("boom")))))
                .expectErrorMessage("boom")
                .verify(Duration.ofSeconds(10));

        assertNoLeak(pool, 1);
        assertThat(pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10))).isNotNull();
    }

    @Test
    void cancellingMidResultNeverHandsOutAConnectionStillInConversation() {
        pool = PoolFixture.builder("cancel-mid").maxSize(1).buildPool();

        // take(3) cancels a 100000-row result after three rows: the rest is still on the wire
        StepVerifier.create(pool.withConnection(c -> Flux.from(c.createStatement(
                                "SELECT g FROM generate_series(1, 100000) g").execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0, Integer.class))))
                        .take(3))
                .expectNext(1, 2, 3)
                .verifyComplete();

        // the next borrower gets a connection that answers its own query, not the tail of the last one
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT 42", Integer.class)).blockLast(Duration.ofSeconds(10)))
                .isEqualTo(42);
        assertNoLeak(pool, 1);
    }

    @Test
    void disposingTheSubscriptionReturnsTheConnection() throws InterruptedException {
        pool = PoolFixture.builder("dispose").maxSize(1).buildPool();
        CountDownLatch started = new CountDownLatch(1);

        var subscription = pool.withConnection(c -> Mono.fromRunnable(started::countDown)
                        .then(queryOne(c, "SELECT pg_sleep(5)::text", String.class)))
                .subscribe();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        subscription.dispose();

        assertThat(pool.withConnection(c -> queryOne(c, "SELECT 7", Integer.class)).blockLast(Duration.ofSeconds(15)))
                .isEqualTo(7);
        assertNoLeak(pool, 1);
    }

    @Test
    void createLendsAConnectionThatClosingReturnsOnceAndFencesOff() {
        pool = PoolFixture.builder("create").maxSize(1).buildPool();

        Connection connection = pool.create().block(Duration.ofSeconds(10));
        assertThat(connection).isNotNull();
        assertThat(pool.stats().acquired()).isEqualTo(1);
        assertThat(backendPid(connection).block(Duration.ofSeconds(10))).isPositive();

        Mono.from(connection.close()).block(Duration.ofSeconds(10));
        Mono.from(connection.close()).block(Duration.ofSeconds(10));

        assertThat(pool.stats().acquired()).isZero();
        assertThat(pool.stats().acquires()).isEqualTo(1);
        assertThatThrownBy(() -> connection.createStatement("SELECT 1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("connection of pool '" + pool.name()
                        + "' was already returned to the pool and must not be used any more");
        // a publisher fails when subscribed, not when made
        StepVerifier.create(connection.beginTransaction()).expectError(IllegalStateException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(Mono.from(connection.validate(io.r2dbc.spi.ValidationDepth.LOCAL)).block()).isFalse();
        assertNoLeak(pool, 1);
    }

    @Test
    void aCloseCancelledWhileItRollsBackStillReturnsTheConnection() {
        pool = PoolFixture.builder("close-cancelled").maxSize(1).acquireTimeout(Duration.ofSeconds(5)).buildPool();

        for (int i = 0; i < 50; i++) {
            Connection connection = pool.create().block(Duration.ofSeconds(10));
            Mono.from(connection.beginTransaction()).block(Duration.ofSeconds(10));
            assertThat(backendPid(connection).block(Duration.ofSeconds(10))).isPositive();
            // the return must ROLLBACK first (a round trip); the caller gives up at once: a timeout, a disconnect
            Mono.from(connection.close()).subscribe().dispose();

            // the only connection comes back: the next borrower gets it, out of the transaction
            assertThat(pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)).blockLast(Duration.ofSeconds(10)))
                    .as("iteration %d", i).isEqualTo(1);
        }
        assertThat(pool.stats().discards()).isZero();
        assertNoLeak(pool, 1);
    }

    @Test
    void closingEarlyInsideWithConnectionReturnsOnce() {
        pool = PoolFixture.builder("early-close").maxSize(1).buildPool();
        AtomicReference<Connection> seen = new AtomicReference<>();

        pool.withConnection(c -> {
            seen.set(c);
            return backendPid(c).flatMap(pid -> Mono.from(c.close()).thenReturn(pid));
        }).blockLast(Duration.ofSeconds(10));

        assertThat(pool.stats().acquires()).isEqualTo(1);
        assertThat(pool.stats().acquired()).isZero();
        assertThatThrownBy(() -> seen.get().createStatement("SELECT 1")).isInstanceOf(IllegalStateException.class);
        assertNoLeak(pool, 1);
    }

    @Test
    void theMetadataIsTheDriversSoFrameworksPickThePostgresqlDialect() {
        pool = PoolFixture.builder("meta").buildPool();
        assertThat(pool.getMetadata().getName()).isEqualTo("PostgreSQL");
    }
}
