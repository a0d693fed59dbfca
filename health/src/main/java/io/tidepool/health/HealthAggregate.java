package io.tidepool.health;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The health of several pools as one: every pool is checked at once (each within its own probe timeout), and a
 * required pool that is down makes the whole {@link HealthStatus#DOWN}, an optional one only
 * {@link HealthStatus#DEGRADED}.
 *
 * <p>The set of pools is read at every check from a {@link Supplier}, so a registry of pools can hand its current
 * pools to {@link #of(Supplier, Clock)}; {@link #of(Collection)} and {@link #of(Map)} take a fixed set.
 *
 * <p>Liveness and readiness differ: {@link #liveness()} never probes a database, because restarting the service does
 * not bring a database back; {@link AggregateHealth#ready()} is false while the aggregate is {@link HealthStatus#DOWN}.
 */
public final class HealthAggregate {

    private final Supplier<? extends Collection<Entry>> entries;
    private final Clock clock;

    private HealthAggregate(Supplier<? extends Collection<Entry>> entries, Clock clock) {
        this.entries = entries;
        this.clock = clock;
    }

    /** A pool's check and whether the service needs that pool. */
    public record Entry(PoolHealthCheck check, boolean required) {

        /** Checks the arguments. */
        public Entry {
            Objects.requireNonNull(check, "check");
        }

        /** A pool the service cannot serve without. */
        public static Entry required(PoolHealthCheck check) {
            return new Entry(check, true);
        }

        /** A pool the service can serve without, degraded. */
        public static Entry optional(PoolHealthCheck check) {
            return new Entry(check, false);
        }
    }

    /** An aggregate over a fixed list of pools. */
    public static HealthAggregate of(Collection<Entry> entries) {
        List<Entry> copy = List.copyOf(entries);
        return new HealthAggregate(() -> copy, Clock.systemUTC());
    }

    /** An aggregate over a fixed set of pools, each mapped to whether it is required; in the map's order. */
    public static HealthAggregate of(Map<PoolHealthCheck, Boolean> requiredByCheck) {
        List<Entry> list = new ArrayList<>();
        requiredByCheck.forEach((check, required) -> list.add(new Entry(check, required)));
        return of(list);
    }

    /** An aggregate over whatever pools {@code entries} answers at each check, timed by {@code clock}. */
    public static HealthAggregate of(Supplier<? extends Collection<Entry>> entries, Clock clock) {
        return new HealthAggregate(Objects.requireNonNull(entries, "entries"), Objects.requireNonNull(clock, "clock"));
    }

    /** Checks every pool at once; never fails. */
    public Mono<AggregateHealth> check() {
        return Flux.defer(() -> Flux.fromIterable(List.copyOf(entries.get())))
                .flatMapSequential(entry -> entry.check().check()
                        .map(health -> new AggregateHealth.Member(entry.required(), health)))
                .collectList()
                .map(members -> new AggregateHealth(statusOf(members), members, clock.instant()));
    }

    /**
     * Liveness: whether the process should be restarted. It is {@link HealthStatus#UP} whenever this method can
     * answer; it does not touch any database.
     */
    public Mono<HealthStatus> liveness() {
        return Mono.just(HealthStatus.UP);
    }

    static HealthStatus statusOf(List<AggregateHealth.Member> members) {
        HealthStatus status = HealthStatus.UP;
        for (AggregateHealth.Member member : members) {
            status = status.worst(member.contribution());
        }
        return status;
    }
}
