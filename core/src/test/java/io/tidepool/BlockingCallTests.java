package io.tidepool;

import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.test.PoolFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import java.time.Duration;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * BlockHound is installed for every test of this module (blockhound-junit-platform): a blocking call on a Reactor or
 * Netty thread fails the test that made it. This class proves it is armed, then drives every path of the pipeline
 * (acquire, validate, use, reset, release, timeout, close) from non-blocking threads.
 */
@Timeout(60)
class BlockingCallTests {

    @Test
    void blockHoundIsArmed() {
        // parking a thread is what every blocking wait comes down to
        StepVerifier.create(Mono.fromCallable(() -> {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000);
                    return 1;
                }).subscribeOn(Schedulers.parallel()))
                .expectError(BlockingOperationError.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void thePipelineNeverBlocksANonBlockingThread() {
        TidepoolPool pool = PoolFixture.builder("nonblocking").maxSize(2).validateAfterIdle(Duration.ZERO)
                .acquireTimeout(Duration.ofMillis(800)).validationTimeout(Duration.ofMillis(500)).buildPool();

        Mono<Long> everything = pool.start()
                .thenMany(Flux.range(0, 200).flatMap(i -> Flux.<Integer>from(switch (i % 4) {
                    case 0 -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class));
                    case 1 -> pool.inTransaction(c -> queryOne(c, "SELECT 2", Integer.class));
                    case 2 -> pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(0.01)::text", String.class))
                            .take(1).timeout(Duration.ofMillis(2)).onErrorResume(e -> Mono.empty()).map(s -> 0);
                    default -> pool.withConnection(c -> Mono.from(c.beginTransaction()).then(Mono.just(3)));
                })
                        // on a loaded machine the 2 connections may not keep up with 8 callers within 800 ms: what is
                        // tested is that nothing blocks a non-blocking thread, a timeout on the way included
                        .onErrorResume(PoolAcquireTimeoutException.class, e -> Mono.empty()), 8))
                .count()
                .then(pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(2)::text", String.class))
                        .zipWith(pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(2)::text", String.class)))
                        .zipWith(pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)))
                        .then(Mono.just(1L))
                        .onErrorResume(e -> Mono.just(0L)))
                .subscribeOn(Schedulers.parallel())
                .flatMap(n -> pool.close().thenReturn(n));

        StepVerifier.create(everything).expectNextCount(1).verifyComplete();
        assertThat(pool.state()).isEqualTo(PoolState.CLOSED);
    }
}
