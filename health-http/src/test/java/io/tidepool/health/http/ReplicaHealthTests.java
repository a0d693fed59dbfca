package io.tidepool.health.http;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import io.tidepool.health.AggregateHealth;
import io.tidepool.health.HealthStatus;
import io.tidepool.health.PoolHealth;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.health.http.internal.HealthJson;
import io.tidepool.health.micrometer.ReplicaSetMeterBinder;
import io.tidepool.health.micrometer.TidepoolMeters;
import io.tidepool.replica.ReplicaSet;
import io.tidepool.testing.TestDatabase;
import io.tidepool.testing.TestReplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A standby's replay lag in its health and its meters, on a real primary and a real hot standby. */
@Timeout(90)
class ReplicaHealthTests {

    private static TidepoolPool pool(String prefix, TestReplication.Server server) {
        return PoolConfiguration.builder().url(server.r2dbcUrl("")).name(TestDatabase.uniqueApplicationName(prefix))
                .maxSize(3).buildPool();
    }

    @Test
    void aStandbyBehindIsDegradedWithItsLagShownAndMetered() {
        try (TestReplication servers = TestReplication.start()) {
            servers.execute(servers.primary(), "CREATE TABLE tick (id bigserial PRIMARY KEY)");
            ReplicaSet set = ReplicaSet.builder()
                    .primary(pool("lag-primary", servers.primary()))
                    .standby(pool("lag-standby", servers.standby()))
                    .maxLag(Duration.ofMillis(800)).lagCheckInterval(Duration.ofMillis(200))
                    .lagCheckTimeout(Duration.ofSeconds(5))
                    .build();
            TidepoolPool standby = set.standbys().get(0);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Disposable writes = null;
            try (PoolHealthCheck check = PoolHealthCheck.builder(standby).replicaOf(set).build();
                 ReplicaSetMeterBinder meters = ReplicaSetMeterBinder.of(set)) {
                meters.bindTo(registry);
                set.start().block(Duration.ofSeconds(30));
                PoolHealth caughtUp = check.check().block(Duration.ofSeconds(10));
                assertThat(caughtUp.status()).isEqualTo(HealthStatus.UP);
                assertThat(caughtUp.replica()).hasValueSatisfying(r -> {
                    assertThat(r.inRotation()).isTrue();
                    assertThat(r.inRecovery()).isTrue();
                    assertThat(r.lag()).hasValueSatisfying(lag -> assertThat(lag).isLessThanOrEqualTo(r.maxLag()));
                });
                assertThat(gauge(registry, ReplicaSetMeterBinder.IN_ROTATION, standby)).isEqualTo(1.0);

                servers.execute(servers.standby(), "SELECT pg_wal_replay_pause()");
                writes = Flux.interval(Duration.ofMillis(50)).concatMap(t -> set.withConnection(c -> Flux.from(
                        c.createStatement("INSERT INTO tick DEFAULT VALUES").execute())
                        .flatMap(Result::getRowsUpdated))).subscribe();
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    PoolHealth behind = check.check().block(Duration.ofSeconds(10));
                    assertThat(behind.status()).isEqualTo(HealthStatus.DEGRADED);
                    assertThat(behind.reasons()).contains(PoolHealth.Reason.REPLICA_BEHIND);
                    assertThat(behind.ready()).isTrue();
                    assertThat(behind.replica().orElseThrow().inRotation()).isFalse();
                    String json = HealthJson.full(new AggregateHealth(behind.status(),
                            List.of(new AggregateHealth.Member(false, behind)), behind.checkedAt()));
                    assertThat(json).contains("\"replica\":{\"lagMillis\":").contains("\"inRotation\":false")
                            .contains("\"replica_behind\"");
                });
                assertThat(gauge(registry, ReplicaSetMeterBinder.IN_ROTATION, standby)).isZero();
                assertThat(gauge(registry, ReplicaSetMeterBinder.LAG, standby)).isGreaterThan(0.8);

                servers.execute(servers.standby(), "SELECT pg_wal_replay_resume()");
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                        assertThat(check.check().block(Duration.ofSeconds(10)).status()).isEqualTo(HealthStatus.UP));
                assertThat(gauge(registry, ReplicaSetMeterBinder.IN_ROTATION, standby)).isEqualTo(1.0);
            } finally {
                if (writes != null) {
                    writes.dispose();
                }
                set.close().block(Duration.ofSeconds(30));
            }
            assertThat(registry.find(ReplicaSetMeterBinder.LAG).gauges()).isEmpty();
        }
    }

    private static double gauge(SimpleMeterRegistry registry, String name, TidepoolPool pool) {
        return registry.get(name).tag(TidepoolMeters.POOL_NAME, pool.name()).gauge().value();
    }
}
