package io.tidepool.health;

import io.tidepool.PoolState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class HealthModelTests {

    @Test
    void aRequiredPoolDownMakesTheWholeDownAnOptionalOneDegraded() {
        assertThat(HealthAggregate.statusOf(List.of(member(true, HealthStatus.UP), member(true, HealthStatus.DOWN))))
                .isEqualTo(HealthStatus.DOWN);
        assertThat(HealthAggregate.statusOf(List.of(member(true, HealthStatus.UP), member(false, HealthStatus.DOWN))))
                .isEqualTo(HealthStatus.DEGRADED);
        assertThat(HealthAggregate.statusOf(List.of(member(true, HealthStatus.DEGRADED),
                member(false, HealthStatus.UP)))).isEqualTo(HealthStatus.DEGRADED);
        assertThat(HealthAggregate.statusOf(List.of(member(true, HealthStatus.UP), member(false, HealthStatus.UP))))
                .isEqualTo(HealthStatus.UP);
        assertThat(HealthAggregate.statusOf(List.of())).isEqualTo(HealthStatus.UP);
        assertThat(new AggregateHealth(HealthStatus.DEGRADED, List.of(), Instant.EPOCH).ready()).isTrue();
        assertThat(new AggregateHealth(HealthStatus.DOWN, List.of(), Instant.EPOCH).ready()).isFalse();
    }

    @Test
    void theStatusIsTheWorstReason() {
        assertThat(PoolHealth.statusOf(List.of())).isEqualTo(HealthStatus.UP);
        assertThat(PoolHealth.statusOf(List.of(PoolHealth.Reason.SATURATED))).isEqualTo(HealthStatus.DEGRADED);
        assertThat(PoolHealth.statusOf(List.of(PoolHealth.Reason.SLOW_ACQUIRE, PoolHealth.Reason.PROBE_FAILED)))
                .isEqualTo(HealthStatus.DOWN);
        assertThat(PoolHealth.Reason.SERVER_NEAR_MAX_CONNECTIONS.code()).isEqualTo("server_near_max_connections");
    }

    @Test
    void thresholdsHaveDefaultsAndRejectBadValues() {
        HealthThresholds defaults = HealthThresholds.defaults();
        assertThat(defaults.probeTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(defaults.saturatedPending()).isEqualTo(1);
        assertThat(defaults.timeoutsDegradedAt()).isEqualTo(1);
        assertThat(defaults.slowAcquireP99()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.serverUtilizationDegradedAt()).isEqualTo(0.9);
        assertThat(defaults.serverHeadroom()).isTrue();
        assertThat(HealthThresholds.builder().serverHeadroomDisabled().build().serverHeadroom()).isFalse();

        HealthThresholds.Builder b = HealthThresholds.builder();
        assertThatThrownBy(() -> b.probeTimeout(Duration.ZERO)).hasMessage("probeTimeout must be positive, was PT0S");
        assertThatThrownBy(() -> b.window(Duration.ofMillis(10))).hasMessage("window must be at least 1 s, was PT0.01S");
        assertThatThrownBy(() -> b.saturatedPending(0)).hasMessage("saturatedPending must be at least 1, was 0");
        assertThatThrownBy(() -> b.timeoutsDegradedAt(0)).hasMessage("timeoutsDegradedAt must be at least 1, was 0");
        assertThatThrownBy(() -> b.serverUtilizationDegradedAt(1.5))
                .hasMessage("serverUtilizationDegradedAt must be above 0 and at most 1, was 1.5");
        assertThatThrownBy(() -> b.slowAcquireP99(null)).hasMessage("slowAcquireP99 must not be null");
    }

    private static AggregateHealth.Member member(boolean required, HealthStatus status) {
        List<PoolHealth.Reason> reasons = switch (status) {
            case UP -> List.of();
            case DEGRADED -> List.of(PoolHealth.Reason.SATURATED);
            case DOWN -> List.of(PoolHealth.Reason.PROBE_FAILED);
        };
        PoolHealth health = new PoolHealth("p", status, reasons, PoolState.RUNNING,
                PoolHealth.Probe.ok(Duration.ZERO),
                new PoolHealth.Saturation(0, 0, 1, 0, Duration.ofMinutes(1), 0, 0, Duration.ZERO),
                Optional.empty(), 0, Optional.empty(), Instant.EPOCH);
        return new AggregateHealth.Member(required, health);
    }
}
