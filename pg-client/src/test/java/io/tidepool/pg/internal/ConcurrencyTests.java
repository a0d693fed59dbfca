package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.Result;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One connection used from many threads at once, cancelled subscribers, close with work in flight. */
@Timeout(60)
class ConcurrencyTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final PgTestServer server = PgTestServer.get();
    private PgSession connection;

    @BeforeEach
    void connect() {
        connection = server.factory().create().block(WAIT);
    }

    @AfterEach
    void close() {
        Mono.from(connection.close()).block(WAIT);
    }

    private Mono<Integer> echo(int i) {
        return Flux.from(connection.createStatement("SELECT $1::int").bind(0, i).execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).single();
    }

    @Test
    void manyThreadsShareOneConnectionAndEachGetsItsOwnAnswer() {
        List<Boolean> ok = Flux.range(0, 2000)
                .parallel(4).runOn(Schedulers.parallel())
                .flatMap(i -> echo(i).map(v -> v.equals(i)))
                .sequential().collectList().block(WAIT);
        assertThat(ok).hasSize(2000).containsOnly(true);
        assertThat(connection.isQuiescent()).isTrue();
        assertThat(connection.isIdleOutsideTransaction()).isTrue();
    }

    @Test
    void thePipelineLimitHoldsBackWhatIsOverIt() {
        Mono.from(connection.close()).block(WAIT);
        connection = new io.tidepool.pg.PgConnectionFactory(server.config().pipelineLimit(1).build()).create()
                .block(WAIT);
        WireStats stats = ((PgConnectionImpl) connection).engine().stats;
        long flushes = stats.flushes;
        List<Integer> values = Flux.range(0, 50).flatMapSequential(this::echo, 50).collectList().block(WAIT);
        assertThat(values).hasSize(50).isSorted();
        assertThat(stats.flushes - flushes).as("one command per write at limit 1").isEqualTo(50);
    }

    @Test
    void aCancelledSubscriberLeavesTheConnectionUsable() {
        StepVerifier.create(Flux.from(connection.createStatement("SELECT g FROM generate_series(1, 10000) g")
                        .execute()).flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).take(3))
                .expectNext(1, 2, 3).verifyComplete();
        Flux.from(connection.createStatement("SELECT pg_sleep(0.2)").execute()).subscribe().dispose();
        assertThat(echo(7).block(WAIT)).isEqualTo(7);
    }

    @Test
    void closeWithWorkInFlightFailsItAndClosesCleanly() {
        Mono<Long> sleeping = Flux.from(connection.createStatement("SELECT pg_sleep(30)").execute())
                .flatMap(Result::getRowsUpdated).next();
        java.util.concurrent.CompletableFuture<Long> f = sleeping.toFuture();
        Mono.from(connection.close()).block(WAIT);
        StepVerifier.create(Mono.fromFuture(f))
                .expectError(R2dbcNonTransientResourceException.class).verify(WAIT);
        assertThat(connection.isClosed()).isTrue();
        // closing again is fine
        Mono.from(connection.close()).block(WAIT);
    }

    @Test
    void largeResultsAndLargeValues() {
        String big = "x".repeat(3_000_000);
        assertThat(Flux.from(connection.createStatement("SELECT $1::text").bind(0, big).execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, String.class))).single().block(WAIT)).isEqualTo(big);
        assertThat(Flux.from(connection.createStatement("SELECT g, md5(g::text) FROM generate_series(1, 50000) g")
                .execute()).flatMap(r -> r.map((row, m) -> row.get(1, String.class))).count().block(WAIT))
                .isEqualTo(50000);
    }
}
