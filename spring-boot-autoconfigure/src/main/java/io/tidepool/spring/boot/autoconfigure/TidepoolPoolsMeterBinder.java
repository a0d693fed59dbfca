package io.tidepool.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tidepool.TidepoolPool;
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
        this.binders = pools.stream().map(TidepoolMeterBinder::of).toList();
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
