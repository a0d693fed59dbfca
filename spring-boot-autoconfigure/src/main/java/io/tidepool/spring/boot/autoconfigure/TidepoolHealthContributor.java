package io.tidepool.spring.boot.autoconfigure;

import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthContributors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code tidepool} health component: one {@link TidepoolHealthIndicator} per pool, named after the pool, so that
 * a health group can include one pool ({@code tidepool/orders}) and leave another out. {@link #close()} (called when
 * the context closes) removes the checks' listeners.
 */
public final class TidepoolHealthContributor implements CompositeReactiveHealthContributor, PoolHealthChecks,
        AutoCloseable {

    private final CompositeReactiveHealthContributor delegate;
    private final List<TidepoolHealthIndicator> indicators;

    /**
     * A component over {@code indicators}, in their order.
     *
     * @param indicators each pool's indicator, by the pool's name
     */
    public TidepoolHealthContributor(Map<String, TidepoolHealthIndicator> indicators) {
        this.delegate = CompositeReactiveHealthContributor.fromMap(new LinkedHashMap<>(indicators));
        this.indicators = List.copyOf(indicators.values());
    }

    @Override
    public ReactiveHealthContributor getContributor(String name) {
        return delegate.getContributor(name);
    }

    @Override
    public Stream<ReactiveHealthContributors.Entry> stream() {
        return delegate.stream();
    }

    @Override
    public List<io.tidepool.health.PoolHealthCheck> checks() {
        return indicators.stream().flatMap(indicator -> indicator.checks().stream()).toList();
    }

    /** Closes every pool's check. */
    @Override
    public void close() {
        indicators.forEach(TidepoolHealthIndicator::close);
    }
}
