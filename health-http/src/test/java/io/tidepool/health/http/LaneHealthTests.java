package io.tidepool.health.http;

import io.tidepool.ProtocolClient;
import io.tidepool.TidepoolPool;
import io.tidepool.health.AggregateHealth;
import io.tidepool.health.HealthStatus;
import io.tidepool.health.PoolHealth;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.health.http.internal.HealthJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A multiplexing pool's health shows its lane: shared connections, statements in flight on each, pinned borrowers. */
@Timeout(60)
class LaneHealthTests {

    @Test
    void healthShowsTheLaneOfAMultiplexingPoolAndNoneForAnOrdinaryOne() {
        TidepoolPool pool = HealthTestPools.builder("lane-health").client(ProtocolClient.NATIVE).multiplex(true)
                .multiplexConnections(2).buildPool();
        TidepoolPool ordinary = HealthTestPools.builder("no-lane").buildPool();
        try (PoolHealthCheck check = PoolHealthCheck.of(pool); PoolHealthCheck plain = PoolHealthCheck.of(ordinary)) {
            pool.start().block(Duration.ofSeconds(20));
            PoolHealth health = check.check().block(Duration.ofSeconds(20));

            assertThat(health.status()).isEqualTo(HealthStatus.UP);
            assertThat(health.lane()).hasValueSatisfying(lane -> {
                assertThat(lane.connections()).isEqualTo(2);
                assertThat(lane.pinned()).isZero();
            });
            String json = HealthJson.full(new AggregateHealth(HealthStatus.UP,
                    List.of(new AggregateHealth.Member(true, health)), health.checkedAt()));
            assertThat(json).contains("\"lane\":{\"connections\":2,")
                    .contains("\"inFlightPerConnection\":[");
            assertThat(plain.check().block(Duration.ofSeconds(20)).lane()).isEmpty();
            // the pool's share of the server counts the lane's most connections beside its own: a lane of 2 may grow
            // to twice its connections and at least to 8
            int maxConnections = Integer.parseInt(io.tidepool.testing.TestDatabase.get().query("SHOW max_connections")
                    .get(0).get("max_connections").toString());
            assertThat(pool.configuration().maxServerConnections())
                    .isEqualTo(pool.configuration().maxSize() + io.tidepool.PoolConfiguration.MULTIPLEX_GROWTH_FLOOR);
            assertThat(health.serverShare()).hasValueSatisfying(share -> assertThat(share)
                    .isEqualTo((double) pool.configuration().maxServerConnections() / maxConnections));
        } finally {
            pool.close().block(Duration.ofSeconds(30));
            ordinary.close().block(Duration.ofSeconds(30));
        }
    }
}
