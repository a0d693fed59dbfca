package io.tidepool;

import io.tidepool.testing.Sql;
import io.tidepool.error.DatabaseUnavailableException;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.testing.FaultProxy;
import io.tidepool.test.LoadTally;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults between the pool and a real server, under a steady load: for each, the failed requests and the time to
 * recovery are measured and bounded, nothing leaks (pool counters and pg_stat_activity), and the pool serves again
 * with no restart. The figures are logged for docs/failure-handling.md.
 */
@Timeout(120)
class FaultMatrixTests {

    private static final Logger log = LoggerFactory.getLogger(FaultMatrixTests.class);
    private static final int MAX_SIZE = 4;
    /**
     * The most a recovery may take: the pool lets one attempt through per backoff period, which grows to at most 5 s,
     * so it recovers within one period and a request. The bound is generous (a shared, loaded machine may stall a
     * second or two), and still below the 15 s recover() waits, so a pool that does not recover by itself fails.
     */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(12);
    private static final Duration CREATE_TIMEOUT = Duration.ofMillis(800);

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
            try {
                // run by both CI lines: each time on the client that line names
                PoolFixture.assertOnTestClient(pool);
            } finally {
                pool.close().block(Duration.ofSeconds(45));
            }
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private void startUnderLoad(String prefix) {
        proxy = FaultProxy.toTestDatabase();
        String name = TestDatabase.uniqueApplicationName(prefix);
        pool = PoolConfiguration.builder().url(proxy.r2dbcUrl("applicationName=" + name)).name(name)
                .maxSize(MAX_SIZE).acquireTimeout(Duration.ofSeconds(1)).createTimeout(CREATE_TIMEOUT)
                .validateAfterIdle(Duration.ofMillis(100)).validationTimeout(Duration.ofMillis(300)).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        load = Flux.interval(Duration.ofMillis(10))
                .onBackpressureDrop()
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class))
                        .timeout(Duration.ofSeconds(1))
                        .transform(tally::counted), 8)
                .subscribe();
        await().atMost(Duration.ofSeconds(10)).until(() -> tally.ok() > 20);
    }

    /** Restores the path and measures how long until requests succeed again. */
    private Duration recover() {
        long restored = System.nanoTime();
        proxy.pass();
        await().atMost(Duration.ofSeconds(15)).until(() -> tally.lastOkNanos() > restored);
        return Duration.ofNanos(tally.lastOkNanos() - restored);
    }

    private void assertNothingLeakedAndServing() {
        load.dispose();
        PoolFixture.assertNoLeak(pool, MAX_SIZE);
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT 42", Integer.class)).blockLast(Duration.ofSeconds(10)))
                .isEqualTo(42);
    }

    @Test
    void aBlackholedNetworkFailsRequestsWithinTheirTimeoutsAndRecoversWhenRestored() {
        startUnderLoad("fault-blackhole");

        proxy.blackhole();
        long okBefore = tally.ok();
        await().atMost(Duration.ofSeconds(15)).until(() -> tally.failures() >= 10);
        long failedDuring = tally.failures();
        Duration recovery = recover();

        log.info("fault matrix | blackhole | failed during fault: {} {} | recovery: {} ms | ok before: {}",
                failedDuring, tally.failed(), recovery.toMillis(), okBefore);
        assertThat(recovery).as("time to recovery").isLessThan(RECOVERY_BOUND);
        assertNothingLeakedAndServing();
    }

    @Test
    void cutConnectionsAreReplacedOnceTheNetworkIsBack() {
        startUnderLoad("fault-cut");

        proxy.cut();
        await().atMost(Duration.ofSeconds(15)).until(() -> tally.failures() >= 5);
        long failedDuring = tally.failures();
        Duration recovery = recover();

        log.info("fault matrix | cut | failed during fault: {} {} | recovery: {} ms", failedDuring, tally.failed(),
                recovery.toMillis());
        assertThat(recovery).as("time to recovery").isLessThan(RECOVERY_BOUND);
        assertThat(tally.failed()).containsKey(ErrorCategory.TRANSIENT_CONNECTION);
        assertNothingLeakedAndServing();
    }

    @Test
    void whileTheDatabaseIsDownCallersFailFastAndThePoolRecoversByItself() {
        proxy = FaultProxy.toTestDatabase();
        String name = TestDatabase.uniqueApplicationName("fault-down");
        pool = PoolConfiguration.builder().url(proxy.r2dbcUrl("applicationName=" + name)).name(name)
                .maxSize(MAX_SIZE).acquireTimeout(Duration.ofSeconds(2)).buildPool();
        proxy.cut();

        StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectErrorSatisfies(e -> assertThat(ErrorClassifier.defaults().classify(e))
                        .isEqualTo(ErrorCategory.TRANSIENT_CONNECTION))
                .verify(Duration.ofSeconds(10));
        long attemptsBefore = pool.stats().createFailures();
        long started = System.nanoTime();
        StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DatabaseUnavailableException.class)
                        .hasMessageStartingWith("pool '" + name + "': database unavailable since ")
                        .hasMessageContaining("1 failed attempt to connect; last error: "))
                .verify(Duration.ofSeconds(10));
        // fails fast: it makes no attempt to connect (a count), and so waits for no timeout; the shortest it could
        // have waited for is the 2 s acquireTimeout: a generous bound on a loaded machine, where 500 ms can flake
        assertThat(pool.stats().createFailures()).as("fails fast: no attempt to connect").isEqualTo(attemptsBefore);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("fails fast, does not wait for a timeout")
                .isLessThan(pool.configuration().acquireTimeout());
        long attemptsWhileDown = pool.stats().createFailures();

        proxy.pass();
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
                pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(5)) != null);
        assertThat(attemptsWhileDown).as("one probe per backoff period, not one per caller").isLessThanOrEqualTo(2);
        PoolFixture.assertNoLeak(pool, MAX_SIZE);
    }

    @Test
    void aServerConnectionLimitBelowThePoolSizeIsReportedAsServerResourcesAndServingGoesOn() {
        TestDatabase db = TestDatabase.get();
        db.createRole("tp_limited", "Limited-pw-1f0a");
        db.execute("ALTER ROLE tp_limited CONNECTION LIMIT 2");
        String name = TestDatabase.uniqueApplicationName("fault-limit");
        // callers wait for the two connections: with a 2 s acquireTimeout a loaded machine sometimes made one wait
        // longer (a POOL_EXHAUSTED among the failures); 10 s keeps "they wait rather than fail" and does not flake
        pool = PoolConfiguration.builder().url(db.r2dbcUrl("tp_limited", "Limited-pw-1f0a", "applicationName="
                + name)).name(name).maxSize(MAX_SIZE).acquireTimeout(Duration.ofSeconds(10)).buildPool();
        load = Flux.interval(Duration.ofMillis(5))
                .onBackpressureDrop()
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(0.01)::text", String.class))
                        .transform(tally::counted), 8)
                .subscribe();

        await().atMost(Duration.ofSeconds(20)).until(() -> tally.ok() >= 200);
        log.info("fault matrix | role connection limit 2 < maxSize {} | ok: {} | failed: {} {}", MAX_SIZE, tally.ok(),
                tally.failures(), tally.failed());
        assertThat(tally.failed().keySet()).as("the only failures are the server's refusals")
                .isSubsetOf(ErrorCategory.SERVER_RESOURCES);
        // callers wait for the 2 connections instead of each trying (and failing) to open a third: 5 in 213 measured,
        // 148 in 205 before attempts were held off during the backoff
        assertThat(tally.failures()).isLessThan(tally.ok() / 10);
        assertThat(TestDatabase.get().backends(name).total()).isLessThanOrEqualTo(2);
        assertNothingLeakedAndServing();
        db.execute("ALTER ROLE tp_limited CONNECTION LIMIT -1");
    }

    @Test
    void backendsTerminatedWhileInUseCostOnlyTheRequestsOnThem() {
        startUnderLoad("fault-terminate");

        long failedBefore = tally.failures();
        int terminated = TestDatabase.get().terminate(pool.name());
        long okAt = tally.ok();
        await().atMost(Duration.ofSeconds(10)).until(() -> tally.ok() > okAt + 50);
        long failedDuring = tally.failures() - failedBefore;

        log.info("fault matrix | pg_terminate_backend x{} under load | failed: {} {}", terminated, failedDuring,
                tally.failed());
        assertThat(failedDuring).as("at most the requests that were on the killed connections")
                .isLessThanOrEqualTo(MAX_SIZE);
        assertNothingLeakedAndServing();
    }

    @Test
    void queriesSlowerThanTheirTimeoutFailAloneAndTheirBackendsDoNotKeepRunning() {
        startUnderLoad("fault-slow");

        long failedBefore = tally.failures();
        long okAt = tally.ok();
        // three callers give up on 10-second queries after 200 ms, while the load goes on beside them
        long slowFailed = Flux.range(0, 3)
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1 FROM pg_sleep(10)", Integer.class))
                        .timeout(Duration.ofMillis(200))
                        .materialize()
                        .filter(signal -> signal.isOnError()
                                && ErrorClassifier.defaults().classify(signal.getThrowable()) == ErrorCategory.TIMEOUT))
                .count()
                .block(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> tally.ok() > okAt + 100);

        long loadFailed = tally.failures() - failedBefore;
        log.info("fault matrix | 3 queries slower than their 200 ms timeout under load | slow ones failed: {}, "
                + "load failed: {} {}, discards: {}", slowFailed, loadFailed, tally.failed(), pool.stats().discards());
        assertThat(slowFailed).as("each slow query fails with a timeout").isEqualTo(3);
        assertThat(loadFailed).as("the load beside them").isZero();
        // the abandoned statements were cancelled on the server, and their connections closed, not reused
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(TestDatabase.get().query(
                "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(10)%'"
                        + " AND application_name = '" + pool.name() + "'")).isEmpty());
        assertThat(pool.stats().discards()).isGreaterThanOrEqualTo(3);
        assertNothingLeakedAndServing();
    }

    @Test
    void closingThePoolWhileTheNetworkIsBlackholedIsBounded() {
        startUnderLoad("fault-close");
        load.dispose();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().acquired() == 0);
        int open = pool.stats().allocated();

        proxy.blackhole();
        long started = System.nanoTime();
        pool.close().block(Duration.ofSeconds(20));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        log.info("fault matrix | close() with {} connections on a blackholed network | took {} ms", open,
                took.toMillis());
        // each connection's close is bounded by createTimeout: were they closed one after another, open x 800 ms; the
        // bound adds 10 s for the drain and a loaded machine, still well below an unbounded close (the TCP timeout)
        assertThat(took).as("each connection's close is bounded by createTimeout (800 ms)")
                .isLessThan(CREATE_TIMEOUT.multipliedBy(open).plusSeconds(10));
        assertThat(pool.stats().allocated()).isZero();
        assertThat(pool.stats().destroys()).isEqualTo(pool.stats().creates());
        pool = null;
        proxy.pass();
        // the server learns of the dropped sockets when the proxy closes them after the test
    }
}
