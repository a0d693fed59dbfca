package io.tidepool.spring.boot.autoconfigure;

import org.springframework.boot.actuate.health.CompositeReactiveHealthContributor;
import org.springframework.boot.actuate.health.NamedContributor;
import org.springframework.boot.actuate.health.ReactiveHealthContributor;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tidepool} health component on Spring Boot 3: one {@link TidepoolBoot3HealthIndicator} per pool, named
 * after the pool; the twin of {@link TidepoolHealthContributor}. {@link #close()} removes the checks' listeners.
 */
public final class TidepoolBoot3HealthContributor implements CompositeReactiveHealthContributor, PoolHealthChecks,
        AutoCloseable {

    private final CompositeReactiveHealthContributor delegate;
    private final List<TidepoolBoot3HealthIndicator> indicators;

    /**
     * A component over {@code indicators}, in their order.
     *
     * @param indicators each pool's indicator, by the pool's name
     */
    public TidepoolBoot3HealthContributor(Map<String, TidepoolBoot3HealthIndicator> indicators) {
        this.delegate = CompositeReactiveHealthContributor.fromMap(new LinkedHashMap<>(indicators));
        this.indicators = List.copyOf(indicators.values());
    }

    @Override
    public ReactiveHealthContributor getContributor(String name) {
        return delegate.getContributor(name);
    }

    @Override
    public Iterator<NamedContributor<ReactiveHealthContributor>> iterator() {
        return delegate.iterator();
    }

    @Override
    public List<io.tidepool.health.PoolHealthCheck> checks() {
        return indicators.stream().map(TidepoolBoot3HealthIndicator::check).toList();
    }

        /** Closes every pool's check. */
    @Override
    public void close() {
        indicators.forEach(TidepoolBoot3HealthIndicator::close);
    }
}
