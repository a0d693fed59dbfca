package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.TidepoolPool;
import io.tidepool.health.AggregateHealth;
import io.tidepool.health.HealthAggregate;
import io.tidepool.health.HealthStatus;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.PoolHealthCheck;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.ReactiveHealthIndicator;
import org.springframework.boot.actuate.health.Status;
import reactor.core.publisher.Mono;

import java.util.List;

/**
 * One pool's health for Spring Boot 3's health endpoint ({@code org.springframework.boot.actuate.health} types), the
 * twin of {@link TidepoolHealthIndicator#forPool} on Spring Boot 4: the same status and details. An optional pool that
 * is DOWN shows as {@link #DEGRADED}.
 */
public final class TidepoolBoot3HealthIndicator implements ReactiveHealthIndicator, AutoCloseable {

    /** The status of a pool that answers but struggles. */
    public static final Status DEGRADED = new Status("DEGRADED", "answers, but saturated, slow or near its limits");

    private final HealthAggregate aggregate;
    private final PoolHealthCheck check;

    private TidepoolBoot3HealthIndicator(PoolHealthCheck check, boolean required) {
        this.check = check;
        this.aggregate = HealthAggregate.of(List.of(
                required ? HealthAggregate.Entry.required(check) : HealthAggregate.Entry.optional(check)));
    }

    /**
     * An indicator of one pool, with {@code thresholds}.
     *
     * @param pool the pool
     * @param required whether the application needs it
     * @param thresholds what DEGRADED means
     * @return the indicator, which closes its check when closed
     */
    public static TidepoolBoot3HealthIndicator forPool(TidepoolPool pool, boolean required,
                                                       HealthThresholds thresholds) {
        return new TidepoolBoot3HealthIndicator(PoolHealthCheck.builder(pool).thresholds(thresholds).build(), required);
    }

    @Override
    public Mono<Health> health() {
        return aggregate.check().map(TidepoolBoot3HealthIndicator::toHealth);
    }

    /** The pool's check. */
    PoolHealthCheck check() {
        return check;
    }

    /** Closes the check. */
    @Override
    public void close() {
        check.close();
    }

    private static Health toHealth(AggregateHealth health) {
        Health.Builder builder = Health.status(statusOf(health.status()));
        for (AggregateHealth.Member member : health.members()) {
            builder.withDetail("pool", member.health().pool());
            PoolHealthDetails.of(member).forEach(builder::withDetail);
        }
        return builder.build();
    }

    private static Status statusOf(HealthStatus status) {
        return switch (status) {
            case UP -> Status.UP;
            case DEGRADED -> DEGRADED;
            case DOWN -> Status.DOWN;
        };
    }
}
