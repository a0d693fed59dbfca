package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.TidepoolPool;
import io.tidepool.health.AggregateHealth;
import io.tidepool.health.HealthAggregate;
import io.tidepool.health.HealthStatus;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.PoolHealthCheck;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.List;

/**
 * Tidepool's health for Spring Boot's health endpoint: the aggregate of {@link HealthAggregate} (or of one pool,
 * {@link #forPool}) as a {@link ReactiveHealthIndicator}. UP and DOWN map to Spring's; DEGRADED maps to {@link #DEGRADED}, a custom status
 * that Spring Boot orders after UP unless {@code management.endpoint.health.status.order} lists it (for example
 * {@code DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN}). Details name each pool with its status, reasons and load; no
 * URL and no password.
 *
 * <p>{@link #close()} removes the health listeners of the checks this indicator created.
 */
public final class TidepoolHealthIndicator implements ReactiveHealthIndicator, AutoCloseable {

    /** The status of a pool that answers but struggles; see {@link HealthStatus#DEGRADED}. */
    public static final Status DEGRADED = new Status("DEGRADED", "answers, but saturated, slow or near its limits");

    private final HealthAggregate aggregate;
    private final List<PoolHealthCheck> owned;
    private final boolean single;

    /**
     * An indicator over {@code aggregate}; closing it closes nothing.
     *
     * @param aggregate the pools and whether each is required
     */
    public TidepoolHealthIndicator(HealthAggregate aggregate) {
        this.aggregate = aggregate;
        this.owned = List.of();
        this.single = false;
    }

    private TidepoolHealthIndicator(List<HealthAggregate.Entry> entries, boolean single) {
        this.aggregate = HealthAggregate.of(entries);
        this.owned = entries.stream().map(HealthAggregate.Entry::check).toList();
        this.single = single;
    }

    /**
     * An indicator checking every one of {@code pools} as required, with {@code thresholds}; its details name each
     * pool.
     *
     * @param pools the pools
     * @param thresholds what DEGRADED means
     * @return the indicator, which closes its checks when closed
     */
    public static TidepoolHealthIndicator forPools(List<? extends TidepoolPool> pools, HealthThresholds thresholds) {
        List<HealthAggregate.Entry> entries = new ArrayList<>();
        pools.forEach(pool -> entries.add(
                HealthAggregate.Entry.required(PoolHealthCheck.builder(pool).thresholds(thresholds).build())));
        return new TidepoolHealthIndicator(List.copyOf(entries), false);
    }

    /**
     * An indicator of one pool, with {@code thresholds}; its details are the pool's. An optional pool
     * ({@code required} false) that is DOWN shows as {@link #DEGRADED}, so that it does not take the application
     * down; its details keep {@code "status": "DOWN"} and say {@code "required": false}.
     *
     * @param pool the pool
     * @param required whether the application needs it
     * @param thresholds what DEGRADED means
     * @return the indicator, which closes its check when closed
     */
    public static TidepoolHealthIndicator forPool(TidepoolPool pool, boolean required, HealthThresholds thresholds) {
        PoolHealthCheck check = PoolHealthCheck.builder(pool).thresholds(thresholds).build();
        return new TidepoolHealthIndicator(
                List.of(required ? HealthAggregate.Entry.required(check) : HealthAggregate.Entry.optional(check)), true);
    }

    @Override
    public Mono<Health> health() {
        return aggregate.check().map(single ? TidepoolHealthIndicator::toPoolHealth : TidepoolHealthIndicator::toHealth);
    }

    /** The checks this indicator created (none when it was made over an aggregate of the caller's). */
    List<PoolHealthCheck> checks() {
        return owned;
    }

    /** Closes the checks this indicator created. */
    @Override
    public void close() {
        owned.forEach(PoolHealthCheck::close);
    }

    static Health toHealth(AggregateHealth health) {
        Health.Builder builder = Health.status(statusOf(health.status()));
        for (AggregateHealth.Member member : health.members()) {
            builder.withDetail(member.health().pool(), PoolHealthDetails.of(member));
        }
        return builder.build();
    }

    static Health toPoolHealth(AggregateHealth health) {
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
