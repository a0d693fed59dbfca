package io.tidepool.health.micrometer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tidepool.replica.ReplicaSet;
import io.tidepool.replica.ReplicaStatus;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Publishes each standby of a {@link ReplicaSet}: {@code tidepool.replica.lag} (seconds its replay is behind, as the
 * set's last lag check found it; NaN before the first check and when the check failed) and
 * {@code tidepool.replica.in_rotation} (1 when read-only work goes to it, else 0), tagged with the standby pool's name
 * ({@value TidepoolMeters#POOL_NAME}). Prometheus: {@code tidepool_replica_lag_seconds},
 * {@code tidepool_replica_in_rotation}. {@link #close()} removes them. The standby pools' own meters come from a
 * {@link TidepoolMeterBinder} each, as for any pool.
 */
public final class ReplicaSetMeterBinder implements MeterBinder, AutoCloseable {

    /** The lag gauge's name. */
    public static final String LAG = "tidepool.replica.lag";
    /** The rotation gauge's name. */
    public static final String IN_ROTATION = "tidepool.replica.in_rotation";

    private final ReplicaSet set;
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    private ReplicaSetMeterBinder(ReplicaSet set) {
        this.set = set;
    }

    /** A binder for the standbys of {@code set}. */
    public static ReplicaSetMeterBinder of(ReplicaSet set) {
        if (set == null) {
            throw new IllegalArgumentException("set must not be null");
        }
        return new ReplicaSetMeterBinder(set);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registries.add(registry);
        for (int i = 0; i < set.standbys().size(); i++) {
            int index = i;
            Tags tags = Tags.of(TidepoolMeters.POOL_NAME, set.standbys().get(i).name());
            meters.add(Gauge.builder(LAG, set, s -> lagSeconds(s.status().get(index)))
                    .description("How far the standby's replay is behind, as the last lag check found it")
                    .baseUnit("seconds").tags(tags).register(registry));
            meters.add(Gauge.builder(IN_ROTATION, set, s -> s.status().get(index).inRotation() ? 1 : 0)
                    .description("1 when read-only work goes to the standby, 0 when it is out of rotation")
                    .tags(tags).register(registry));
        }
    }

    private static double lagSeconds(ReplicaStatus status) {
        return status.lag().map(lag -> lag.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** Removes the meters from every registry they were bound to. Idempotent. */
    @Override
    public void close() {
        for (MeterRegistry registry : registries) {
            meters.forEach(registry::remove);
        }
        meters.clear();
        registries.clear();
    }
}
