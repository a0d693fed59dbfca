package io.tidepool.pg.internal;

import io.r2dbc.spi.Result;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Rows stream into their Result as they arrive, and a subscriber far behind pauses reading from the socket. */
@Timeout(60)
class StreamingTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final PgTestServer server = PgTestServer.get();
    private PgSession connection;
    private PgEngine engine;

    @BeforeEach
    void connect() {
        connection = server.factory().create().block(WAIT);
        engine = ((PgConnectionImpl) connection).engine();
    }

    @AfterEach
    void close() {
        Mono.from(connection.close()).block(WAIT);
    }

    @Test
    void rowsArriveBeforeTheStatementIsDone() {
        AtomicLong whileInFlight = new AtomicLong();
        long rows = Flux.from(connection.createStatement("SELECT g FROM generate_series(1, 200000) g").execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class)))
                .doOnNext(v -> {
                    if (!connection.isQuiescent()) {
                        whileInFlight.incrementAndGet();
                    }
                })
                .count().block(WAIT);
        assertThat(rows).isEqualTo(200000);
        assertThat(whileInFlight.get()).as("rows handed out while the statement still ran").isPositive();
        assertThat(connection.isQuiescent()).isTrue();
    }

    @Test
    void aSlowSubscriberPausesReadingAndGetsEveryRow() {
        AtomicReference<Subscription> subscription = new AtomicReference<>();
        AtomicLong received = new AtomicLong();
        Mono<Void> done = Flux.from(connection.createStatement("SELECT g FROM generate_series(1, 100000) g")
                        .execute())
                .concatMap(r -> r.map((row, m) -> row.get(0, Integer.class)), 1)
                .doOnNext(v -> received.incrementAndGet())
                .then();
        java.util.concurrent.CompletableFuture<Void> finished = new java.util.concurrent.CompletableFuture<>();
        Flux.from(connection.createStatement("SELECT g FROM generate_series(1, 100000) g").execute())
                .concatMap(r -> r.map((row, m) -> row.get(0, Integer.class)), 1)
                .subscribe(new BaseSubscriber<Integer>() {
                    @Override
                    protected void hookOnSubscribe(Subscription s) {
                        subscription.set(s);
                        s.request(1);
                    }

                    @Override
                    protected void hookOnNext(Integer value) {
                        received.incrementAndGet();
                    }

                    @Override
                    protected void hookOnComplete() {
                        finished.complete(null);
                    }

                    @Override
                    protected void hookOnError(Throwable t) {
                        finished.completeExceptionally(t);
                    }
                });
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !engine.channel.config().isAutoRead());
        assertThat(received.get()).isEqualTo(1);
        subscription.get().request(Long.MAX_VALUE);
        assertThat(finished).succeedsWithin(WAIT);
        assertThat(received.get()).isEqualTo(100000);
        assertThat(engine.channel.config().isAutoRead()).isTrue();
        // and the connection carries on
        received.set(0);
        done.block(WAIT);
        assertThat(received.get()).isEqualTo(100000);
    }

    @Test
    void aResultIsConsumedOnce() {
        Result result = Flux.from(connection.createStatement("SELECT 1").execute()).blockFirst(WAIT);
        assertThat(Flux.from(result.map((row, m) -> row.get(0))).blockLast(WAIT)).isEqualTo(1);
        StepVerifier.create(result.getRowsUpdated()).expectError(IllegalStateException.class).verify(WAIT);
    }
}
