package io.tidepool.health.http;

import io.tidepool.TidepoolPool;
import io.tidepool.health.AggregateHealth;
import io.tidepool.health.HealthStatus;
import io.tidepool.health.PoolHealth;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.health.http.internal.HealthJson;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each pool's share of the real server's {@code max_connections}, and the headroom, in its health. */
@Timeout(60)
class ServerShareTests {

    @Test
    void healthShowsThePoolsShareOfTheServerAndTheHeadroom() {
        TidepoolPool pool = HealthTestPools.builder("share").maxSize(7).buildPool();
        try (PoolHealthCheck check = PoolHealthCheck.of(pool)) {
            int maxConnections = Integer.parseInt(TestDatabase.get().query("SHOW max_connections").get(0)
                    .get("max_connections").toString());
            PoolHealth health = check.check().block(Duration.ofSeconds(20));
            assertThat(health.serverShare()).hasValueSatisfying(share ->
                    assertThat(share).isEqualTo(7.0 / maxConnections));
            assertThat(health.server()).hasValueSatisfying(server -> {
                assertThat(server.maxConnections()).isEqualTo(maxConnections);
                assertThat(server.headroom()).isEqualTo(maxConnections - server.backends());
            });
            String json = HealthJson.full(new AggregateHealth(HealthStatus.UP,
                    List.of(new AggregateHealth.Member(true, health)), health.checkedAt()));
            assertThat(json).contains("\"maxConnections\":" + maxConnections)
                    .contains("\"poolShare\":" + (7.0 / maxConnections));
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }
}
