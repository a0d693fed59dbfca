package io.tidepool.health;

import io.tidepool.testing.Sql;
import io.r2dbc.spi.Connection;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.testing.FaultProxy;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class PoolHealthCheckTests {

    @Test
    void aPoolThatAnswersIsUpWithTheServersHeadroom() {
        TidepoolPool pool = HealthTestPools.builder("hc-up").maxSize(2).buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(pool)) {
            PoolHealth health = check.check().block(Duration.ofSeconds(10));
            
            assertThat(health).isNotNull();
            assertThat(health.status()).isEqualTo(HealthStatus.UP);
            assertThat(health.reasons()).isEmpty();
            assertThat(health.probe().outcome()).isEqualTo(PoolHealth.Probe.Outcome.OK);
            assertThat(health.server()).hasValueSatisfying(server -> {
                assertThat(server.maxConnections()).isEqualTo(
                        Integer.parseInt(TestDatabase.get().query("SHOW max_connections").get(0)
                                .values().iterator().next().toString()));
                assertThat(server.backends()).isBetween(1, server.maxConnections());
            });
            assertThat(health.saturation().max()).isEqualTo(2);
            assertThat(health.saturation().acquires()).isEqualTo(1);
            assertThat(health.lastError()).isEmpty();
            assertThat(health.ready()).isTrue();
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void aSaturatedPoolIsDegradedAndTheProbeDoesNotHang() {
        TidepoolPool pool = HealthTestPools.builder("hc-saturated").maxSize(1)
                .acquireTimeout(Duration.ofSeconds(5)).buildPool();
        HealthThresholds thresholds = HealthThresholds.builder().probeTimeout(Duration.ofMillis(300)).build();
        try (PoolHealthCheck check = PoolHealthCheck.builder(pool).thresholds(thresholds).build()) {
            Connection held = Mono.from(pool.create()).block(Duration.ofSeconds(10));
            assertThat(held).isNotNull();
            Disposable waiter = pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class))
                    .subscribe(v -> { }, e -> { });
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().pending() == 1);

            long started = System.nanoTime();
            PoolHealth health = check.check().block(Duration.ofSeconds(10));
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(health).isNotNull();
            assertThat(took).isLessThan(Duration.ofSeconds(2));
            assertThat(health.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(health.reasons()).containsExactly(PoolHealth.Reason.SATURATED);
            assertThat(health.probe().outcome()).isEqualTo(PoolHealth.Probe.Outcome.TIMED_OUT);
            assertThat(health.saturation().inUse()).isEqualTo(1);
            assertThat(health.saturation().pending()).isEqualTo(1);
            assertThat(health.ready()).isTrue();
            // the probe gave up before the pool's own acquire timeout: it is not counted as one
            assertThat(pool.stats().timeouts()).isZero();

            Mono.from(held.close()).block(Duration.ofSeconds(10));
            waiter.dispose();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(check.check().block(Duration.ofSeconds(10)).status()).isEqualTo(HealthStatus.UP));
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void aRoundTripThatHangsOnTheLastFreeConnectionIsDownNotSaturated() {
        try (FaultProxy proxy = FaultProxy.toTestDatabase()) {
            TidepoolPool pool = HealthTestPools.builder("hc-hung").url(proxy.r2dbcUrl()).maxSize(1)
                    .validationDisabled().acquireTimeout(Duration.ofSeconds(5)).buildPool();
            HealthThresholds thresholds = HealthThresholds.builder().probeTimeout(Duration.ofMillis(300)).build();
            try (PoolHealthCheck check = PoolHealthCheck.builder(pool).thresholds(thresholds).build()) {
                pool.start().block(Duration.ofSeconds(20));
                // the server stops answering: the probe gets the only connection, and its round trip hangs
                proxy.blackhole();

                PoolHealth health = check.check().block(Duration.ofSeconds(10));

                assertThat(health).isNotNull();
                assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
                assertThat(health.reasons()).containsExactly(PoolHealth.Reason.PROBE_TIMED_OUT);
                assertThat(health.probe().outcome()).isEqualTo(PoolHealth.Probe.Outcome.TIMED_OUT);
                assertThat(health.ready()).isFalse();
            } finally {
                proxy.pass();
                pool.close().block(Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void aConnectionErrorInTheWindowIsNotHiddenByALaterAcquireTimeout() {
        TidepoolPool pool = HealthTestPools.builder("hc-hidden").maxSize(1)
                .acquireTimeout(Duration.ofMillis(800)).buildPool();
        HealthThresholds thresholds = HealthThresholds.builder().probeTimeout(Duration.ofMillis(300)).build();
        AtomicReference<Connection> held = new AtomicReference<>();
        try (PoolHealthCheck check = PoolHealthCheck.builder(pool).thresholds(thresholds).build()) {
            pool.start().block(Duration.ofSeconds(20));
            // a connection error first (the pool discards that connection), then the only connection is held
            StepVerifier.create(pool.withConnection(c -> Mono.error(new java.io.IOException("connection reset"))))
                    .expectError(java.io.IOException.class).verify(Duration.ofSeconds(10));
            held.set(Mono.from(pool.create()).block(Duration.ofSeconds(10)));
            // and a caller times out waiting: the last error is now the pool's own
            StepVerifier.create(pool.withConnection(c -> Mono.just(1)))
                    .expectError(PoolAcquireTimeoutException.class).verify(Duration.ofSeconds(10));

            PoolHealth health = check.check().block(Duration.ofSeconds(10));

            assertThat(health).isNotNull();
            assertThat(health.lastError()).hasValueSatisfying(e ->
                    assertThat(e.category()).isEqualTo(ErrorKind.POOL_EXHAUSTED));
            assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(health.reasons()).contains(PoolHealth.Reason.PROBE_TIMED_OUT)
                    .doesNotContain(PoolHealth.Reason.SATURATED);
        } finally {
            if (held.get() != null) {
                Mono.from(held.get().close()).block(Duration.ofSeconds(10));
            }
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void acquireTimeoutsWithinTheWindowDegradeThePool() {
        // the connection is opened by start(), outside any acquire's deadline: on a busy machine opening one can
        // take longer than the short acquireTimeout the test needs
        TidepoolPool pool = HealthTestPools.builder("hc-timeouts").maxSize(1)
                .acquireTimeout(Duration.ofMillis(500)).validationTimeout(Duration.ofMillis(400)).buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(pool)) {
            pool.start().block(Duration.ofSeconds(10));
            Connection held = Mono.from(pool.create()).block(Duration.ofSeconds(10));
            assertThat(held).isNotNull();
            StepVerifier.create(pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)))
                    .expectError(PoolAcquireTimeoutException.class)
                    .verify(Duration.ofSeconds(10));
            Mono.from(held.close()).block(Duration.ofSeconds(10));

            PoolHealth health = check.check().block(Duration.ofSeconds(10));
            
            assertThat(health).isNotNull();
            assertThat(health.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(health.reasons()).containsExactly(PoolHealth.Reason.ACQUIRE_TIMEOUTS);
            assertThat(health.saturation().timeouts()).isEqualTo(1);
            assertThat(health.lastError()).hasValueSatisfying(e ->
                    assertThat(e.category()).isEqualTo(ErrorKind.POOL_EXHAUSTED));
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void anUnreachableServerIsDownWithAConnectionError() {
        TidepoolPool pool = HealthTestPools.unreachable("hc-unreachable").buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(pool)) {
            PoolHealth health = check.check().block(Duration.ofSeconds(10));
            
            assertThat(health).isNotNull();
            assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(health.reasons()).containsExactly(PoolHealth.Reason.PROBE_FAILED);
            assertThat(health.probe().category()).contains(ErrorKind.CONNECTION);
            assertThat(health.lastError()).hasValueSatisfying(e -> {
                assertThat(e.category()).isEqualTo(ErrorKind.CONNECTION);
                assertThat(e.message()).doesNotContain(HealthTestPools.PASSWORD).doesNotContain("://");
            });
            assertThat(health.ready()).isFalse();
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void aServerThatRefusesTheRoleIsDownWithAnAuthError() {
        TidepoolPool pool = HealthTestPools.builder("hc-auth").buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(pool)) {
            HealthTestPools.allowLogin(false);
            PoolHealth health = check.check().block(Duration.ofSeconds(10));
            
            assertThat(health).isNotNull();
            assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(health.probe().category()).contains(ErrorKind.AUTH);

            HealthTestPools.allowLogin(true);
            // a pool may keep failing fast for a while and reconnect in the background: wait for it
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                PoolHealth again = check.check().block(Duration.ofSeconds(10));
                assertThat(again).isNotNull();
                assertThat(again.status()).as(again.toString()).isEqualTo(HealthStatus.UP);
            });
        } finally {
            HealthTestPools.allowLogin(true);
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void errorsAreJudgedByThePoolsOwnClassifierNotTheDefaultTable() {
        // this service counts a missing table as a timeout, and a refused login as a server out of resources
        ErrorClassifier classifier = ErrorClassifier.defaults()
                .withSqlState("42P01", io.tidepool.error.ErrorCategory.TIMEOUT)
                .withSqlState("28", io.tidepool.error.ErrorCategory.SERVER_RESOURCES);
        TidepoolPool pool = HealthTestPools.builder("hc-classifier").errorClassifier(classifier).buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(pool)) {
            StepVerifier.create(pool.withConnection(c -> Sql.run(c, "SELECT * FROM no_such_table")))
                    .expectError().verify(Duration.ofSeconds(10));
            PoolHealth afterWork = check.check().block(Duration.ofSeconds(10));
            assertThat(afterWork).isNotNull();
            assertThat(afterWork.lastError()).as("a failed unit of work, as the listener saw it")
                    .hasValueSatisfying(e -> assertThat(e.category()).isEqualTo(ErrorKind.TIMEOUT));
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }

        // a probe that fails: by the default table a refused login is AUTH; not for this pool
        TidepoolPool refusing = HealthTestPools.builder("hc-classifier-login").errorClassifier(classifier)
                .buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(refusing)) {
            HealthTestPools.allowLogin(false);
            PoolHealth refused = check.check().block(Duration.ofSeconds(10));
            assertThat(refused).isNotNull();
            assertThat(refused.probe().outcome()).isEqualTo(PoolHealth.Probe.Outcome.FAILED);
            assertThat(refused.probe().category()).as(refused.toString()).contains(ErrorKind.OTHER);
            assertThat(refused.lastError()).hasValueSatisfying(e ->
                    assertThat(e.category()).isEqualTo(ErrorKind.OTHER));
        } finally {
            HealthTestPools.allowLogin(true);
            refusing.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void terminatedBackendsMakeThePoolDownUntilItReconnects() {
        TidepoolPool pool = HealthTestPools.builder("hc-terminated").maxSize(1)
                .validationDisabled().buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(pool)) {
            assertThat(check.check().block(Duration.ofSeconds(10))).as("before").extracting(PoolHealth::status)
                    .isEqualTo(HealthStatus.UP);
            ServerChecks.awaitBackends(pool.name(), 1);
            assertThat(TestDatabase.get().terminate(pool.name())).isEqualTo(1);

            PoolHealth health = check.check().block(Duration.ofSeconds(10));
            
            assertThat(health).isNotNull();
            assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(health.probe().category()).contains(ErrorKind.CONNECTION);
            // the broken connection was discarded: the next probe opens a new one
            assertThat(check.check().block(Duration.ofSeconds(10))).as("after").extracting(PoolHealth::status)
                    .isEqualTo(HealthStatus.UP);
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void aClosedPoolIsDownWithoutAProbe() {
        TidepoolPool pool = HealthTestPools.builder("hc-closed").buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(pool)) {
            pool.close().block(Duration.ofSeconds(30));

            PoolHealth health = check.check().block(Duration.ofSeconds(10));
            
            assertThat(health).isNotNull();
            assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(health.reasons()).containsExactly(PoolHealth.Reason.CLOSED);
            assertThat(health.probe().outcome()).isEqualTo(PoolHealth.Probe.Outcome.SKIPPED);
        }
    }

    @Test
    void theProbeTimeoutIsAtMostHalfThePoolsAcquireTimeout() {
        TidepoolPool pool = HealthTestPools.builder("hc-probe-timeout")
                .acquireTimeout(Duration.ofMillis(800)).validationTimeout(Duration.ofMillis(100)).buildPool();
        try (PoolHealthCheck check = HealthTestPools.check(pool)) {
            assertThat(check.probeTimeout()).isEqualTo(Duration.ofMillis(400));
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void slowAcquiresDegradeThePoolOnlyOnceThereAreEnoughToJudge() {
        TidepoolPool pool = HealthTestPools.builder("hc-slow").maxSize(1).buildPool();
        HealthThresholds thresholds = HealthThresholds.builder().probeTimeout(Duration.ofSeconds(5))
                .slowAcquireP99(Duration.ofMillis(50)).build();
        try (PoolHealthCheck check = PoolHealthCheck.builder(pool).thresholds(thresholds).build()) {
            pool.start().block(Duration.ofSeconds(10));
            waitBehindAHeldConnection(pool, 1);
            PoolHealth one = check.check().block(Duration.ofSeconds(10));
            assertThat(one).isNotNull();
            assertThat(one.reasons()).as("one slow acquire is not a trend").doesNotContain(PoolHealth.Reason.SLOW_ACQUIRE);

            waitBehindAHeldConnection(pool, PoolHealthCheck.MIN_ACQUIRES_FOR_P99);
            PoolHealth many = check.check().block(Duration.ofSeconds(10));
            assertThat(many).isNotNull();
            assertThat(many.reasons()).contains(PoolHealth.Reason.SLOW_ACQUIRE);
            assertThat(many.status()).isEqualTo(HealthStatus.DEGRADED);
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    /** {@code waiters} callers queue behind a connection held for 100 ms, so each of them waits at least that long. */
    private static void waitBehindAHeldConnection(TidepoolPool pool, int waiters) {
        Connection held = Mono.from(pool.create()).block(Duration.ofSeconds(10));
        assertThat(held).isNotNull();
        var queued = reactor.core.publisher.Flux.range(0, waiters)
                .flatMap(i -> pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)))
                .then().toFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().pending() == waiters);
        Mono.delay(Duration.ofMillis(100)).then(Mono.from(held.close())).block(Duration.ofSeconds(10));
        Mono.fromFuture(queued).block(Duration.ofSeconds(20));
    }
}
