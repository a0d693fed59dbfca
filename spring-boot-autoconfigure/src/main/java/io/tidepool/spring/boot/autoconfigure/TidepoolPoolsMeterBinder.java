package io.tidepool.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tidepool.TidepoolPool;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.health.micrometer.TidepoolMeterBinder;

import java.util.List;

/**
 * One {@link MeterBinder} bean for every pool of a Spring application: Spring Boot binds it to its registry, and
 * {@link #close()} (called when the context closes) removes the meters.
 */
public final class TidepoolPoolsMeterBinder implements MeterBinder, AutoCloseable {

    private final List<TidepoolMeterBinder> binders;

    /** A binder of each of {@code pools}, with default options. */
    public TidepoolPoolsMeterBinder(List<? extends TidepoolPool> pools) {
        this(pools, List.of());
    }

    /**
     * A binder of each of {@code pools}, with default options; a pool that has one of {@code checks} also publishes
     * the server's connections as that check last read them ({@link TidepoolMeterBinder.Builder#serverFrom}).
     *
     * @param pools the pools
     * @param checks health checks of some of these pools (the health component's)
     */
    public TidepoolPoolsMeterBinder(List<? extends TidepoolPool> pools, List<PoolHealthCheck> checks) {
        this.binders = pools.stream().map(pool -> binderOf(pool, checks)).toList();
    }

    private static TidepoolMeterBinder binderOf(TidepoolPool pool, List<PoolHealthCheck> checks) {
        TidepoolMeterBinder.Builder builder = TidepoolMeterBinder.builder(pool);
        checks.stream().filter(check -> check.pool() == pool).findFirst().ifPresent(builder::serverFrom);
        return builder.build();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        binders.forEach(binder -> binder.bindTo(registry));
    }

    @Override
    public void close() {
        binders.forEach(TidepoolMeterBinder::close);
    }
}
