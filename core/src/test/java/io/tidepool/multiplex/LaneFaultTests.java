package io.tidepool.multiplex;

import io.tidepool.PoolConfiguration;
import io.tidepool.ProtocolClient;
import io.tidepool.RetryPolicy;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ConnectionSilentException;
import io.tidepool.error.ErrorCategory;
import io.tidepool.test.LoadTally;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.FaultProxy;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults under the multiplexed lane, with a steady load on its two shared connections: a broken connection fails
 * exactly the statements in flight on it, as transient connection errors, and the lane replaces it; nothing leaks
 * (the pool's figures and pg_stat_activity).
 */
@Timeout(120)
class LaneFaultTests {

    private static final Logger log = LoggerFactory.getLogger(LaneFaultTests.class);
    private static final int LANE = 2;
    private static final int IN_FLIGHT = 16;

    private FaultProxy proxy;
    private TidepoolPool pool;
    private Disposable load;
    private final LoadTally tally = new LoadTally();

    @AfterEach
    void close() {
        if (load != null) {
            load.dispose();
        }
        if (pool != null) {
            pool.close().block(Duration.ofSeconds(45));
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private PoolConfiguration.Builder throughProxy(String prefix) {
        proxy = FaultProxy.toTestDatabase();
        String name = TestDatabase.uniqueApplicationName(prefix);
        return PoolConfiguration.builder().url(proxy.r2dbcUrl("applicationName=" + name)).name(name)
                .client(ProtocolClient.NATIVE).multiplex(true).multiplexConnections(LANE).multiplexMaxConnections(LANE).maxSize(2)
                .createTimeout(Duration.ofMillis(800));
    }

    private void startUnderLoad(PoolConfiguration.Builder builder) {
        pool = builder.buildPool();
        pool.start().block(Duration.ofSeconds(20));
        load = Flux.interval(Duration.ofMillis(2))
                .onBackpressureDrop()
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class))
                        .timeout(Duration.ofSeconds(5))
                        .transform(tally::counted), IN_FLIGHT)
                .subscribe();
        await().atMost(Duration.ofSeconds(10)).until(() -> tally.ok() > 100);
    }

    private void assertNothingLeakedAndServing() {
        load.dispose();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(pool.stats().lane().totalInFlight()).isZero();
            assertThat(pool.stats().lane().connections()).as("the lane replaced what it lost").isEqualTo(LANE);
        });
        PoolFixture.assertNoLeak(pool, LANE + 2);
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT 42", Integer.class)).blockLast(Duration.ofSeconds(10)))
                .isEqualTo(42);
    }

    @Test
    void terminatedSharedConnectionsFailOnlyTheirStatementsInFlightAndAreReplaced() {
        startUnderLoad(throughProxy("lane-terminate"));

        int terminated = TestDatabase.get().terminate(pool.name());
        long okAt = tally.ok();
        await().atMost(Duration.ofSeconds(10)).until(() -> tally.ok() > okAt + 200);

        log.info("lane faults | pg_terminate_backend x{} under load | failed: {}", terminated, tally.failed());
        assertThat(tally.failed().keySet()).as("the failures are connection errors, which RetryPolicy retries")
                .containsOnly(ErrorCategory.TRANSIENT_CONNECTION);
        assertThat(tally.failures()).as("at most the statements in flight").isLessThanOrEqualTo(IN_FLIGHT);
        assertNothingLeakedAndServing();
    }

    @Test
    void underARetryPolicyNoStatementIsLostWhenTheSharedConnectionsAreTerminated() {
        pool = throughProxy("lane-retry").buildPool();
        pool.start().block(Duration.ofSeconds(20));
        RetryPolicy retry = RetryPolicy.builder().maxAttempts(5).firstBackoff(Duration.ofMillis(20)).build();
        Flux<Integer> work = Flux.range(0, 3000).flatMap(i -> pool.withConnection(retry,
                c -> queryOne(c, "SELECT $1::int".replace("$1", String.valueOf(i)), Integer.class)), IN_FLIGHT);
        // off the pipeline's threads: the test's own JDBC call blocks
        Disposable killer = Flux.interval(Duration.ofMillis(150)).take(3)
                .publishOn(reactor.core.scheduler.Schedulers.boundedElastic())
                .subscribe(t -> TestDatabase.get().terminate(pool.name()));

        Long answered = work.count().block(Duration.ofSeconds(60));
        killer.dispose();

        assertThat(answered).isEqualTo(3000);
        assertThat(pool.stats().discards()).as("lane connections lost to pg_terminate_backend").isPositive();
        load = Flux.<Long>never().subscribe();
        assertNothingLeakedAndServing();
    }

    @Test
    void cutSharedConnectionsAreReplacedOnceTheNetworkIsBack() {
        startUnderLoad(throughProxy("lane-cut"));

        proxy.cut();
        await().atMost(Duration.ofSeconds(15)).until(() -> tally.failures() >= 5);
        long restored = System.nanoTime();
        proxy.pass();
        await().atMost(Duration.ofSeconds(15)).until(() -> tally.lastOkNanos() > restored);

        log.info("lane faults | cut | failed: {} | recovery: {} ms", tally.failed(),
                Duration.ofNanos(tally.lastOkNanos() - restored).toMillis());
        assertThat(tally.failed()).containsKey(ErrorCategory.TRANSIENT_CONNECTION);
        assertNothingLeakedAndServing();
    }

    @Test
    void aBlackholedSharedConnectionIsClosedAfterSilenceTimeoutAndItsStatementsFailAsSilent() {
        startUnderLoad(throughProxy("lane-blackhole").silenceTimeout(Duration.ofSeconds(1)));

        proxy.blackhole();
        // a statement that waits in the silence fails within the bound, not when its caller gives up
        Throwable silent = pool.withConnection(c -> queryOne(c, "SELECT 7", Integer.class))
                .timeout(Duration.ofSeconds(10)).materialize().filter(s -> s.isOnError())
                .map(s -> s.getThrowable()).blockLast(Duration.ofSeconds(15));
        long restored = System.nanoTime();
        proxy.pass();
        await().atMost(Duration.ofSeconds(15)).until(() -> tally.lastOkNanos() > restored);

        log.info("lane faults | blackhole, silenceTimeout 1 s | failed: {} | recovery: {} ms", tally.failed(),
                Duration.ofNanos(tally.lastOkNanos() - restored).toMillis());
        assertThat(silent).isInstanceOf(ConnectionSilentException.class);
        assertNothingLeakedAndServing();
    }
}
