package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.registry.PoolRegistry;
import io.tidepool.registry.RegistryState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts the application's {@link PoolRegistry} beans with the application context and stops them with it, in
 * reverse order. Its phase starts the registries before the web server takes requests and stops them after the
 * server has drained its requests. A required pool that cannot start fails the start; optional ones keep being
 * retried in the background. Each registry's stop is bounded by its own {@code stopTimeout}, which should be under
 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
 */
public final class PoolRegistryLifecycle implements SmartLifecycle {

    /** Early to start, late to stop: before and after the web server ({@code SmartLifecycle.DEFAULT_PHASE - 2048}). */
    public static final int PHASE = Integer.MIN_VALUE + 100;

    private static final Logger log = LoggerFactory.getLogger(PoolRegistryLifecycle.class);

    private final List<PoolRegistry> registries;

    /**
     * A lifecycle of {@code registries}, started in this order.
     *
     * @param registries the registries
     */
    public PoolRegistryLifecycle(List<PoolRegistry> registries) {
        this.registries = List.copyOf(registries);
    }

    /** Starts every registry, one after the other; bounded by each registry's own start timeout. */
    @Override
    public void start() {
        for (PoolRegistry registry : registries) {
            registry.start().block();
        }
    }

    /** Stops every registry, the last started first, and waits. */
    @Override
    public void stop() {
        for (PoolRegistry registry : reversed()) {
            registry.stop().block(registry.stopTimeout().plusSeconds(5));
        }
    }

    /** Stops every registry, the last started first, and calls {@code callback} once all have stopped or failed. */
    @Override
    public void stop(Runnable callback) {
        stopFrom(reversed(), 0, callback);
    }

    private void stopFrom(List<PoolRegistry> order, int index, Runnable callback) {
        if (index == order.size()) {
            callback.run();
            return;
        }
        PoolRegistry registry = order.get(index);
        registry.stop().subscribe(null, error -> {
            log.warn("pool registry did not stop cleanly: {}", error.toString());
            stopFrom(order, index + 1, callback);
        }, () -> stopFrom(order, index + 1, callback));
    }

    private List<PoolRegistry> reversed() {
        List<PoolRegistry> order = new ArrayList<>(registries);
        java.util.Collections.reverse(order);
        return order;
    }

    @Override
    public boolean isRunning() {
        return registries.stream().anyMatch(registry -> {
            RegistryState state = registry.state();
            return state == RegistryState.STARTING || state == RegistryState.RUNNING
                    || state == RegistryState.DEGRADED;
        });
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
