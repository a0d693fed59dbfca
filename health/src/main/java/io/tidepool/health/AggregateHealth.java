package io.tidepool.health;

import java.time.Instant;
import java.util.List;

/**
 * The health of a set of pools, as {@link HealthAggregate#check()} found it.
 *
 * @param status the verdict: {@link HealthStatus#DOWN} when a required pool is down; {@link HealthStatus#DEGRADED}
 *        when an optional pool is down or any pool is degraded; {@link HealthStatus#UP} otherwise (and with no pool)
 * @param members each pool's health, in the order the pools were given
 * @param checkedAt when the check finished, by the aggregate's clock
 */
public record AggregateHealth(HealthStatus status, List<Member> members, Instant checkedAt) {

    /** Copies {@code members}. */
    public AggregateHealth {
        members = List.copyOf(members);
    }

    /**
     * One pool's health within the aggregate.
     *
     * @param required whether the service needs this pool to serve
     * @param health the pool's health
     */
    public record Member(boolean required, PoolHealth health) {

        /** What this member contributes to the aggregate: an optional pool that is down only degrades it. */
        public HealthStatus contribution() {
            HealthStatus own = health.status();
            return !required && own == HealthStatus.DOWN ? HealthStatus.DEGRADED : own;
        }
    }

    /** Ready to take traffic: true unless {@link #status()} is {@link HealthStatus#DOWN}. */
    public boolean ready() {
        return status != HealthStatus.DOWN;
    }
}
