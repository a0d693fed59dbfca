package io.tidepool.internal;

import io.tidepool.PoolListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The pool's listeners; when there are none, firing an event costs one volatile read. */
final class Listeners {

    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final List<PoolListener> listeners = new CopyOnWriteArrayList<>();
    private final String poolName;

    Listeners(String poolName) {
        this.poolName = poolName;
    }

    Disposable add(PoolListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    boolean isEmpty() {
        return listeners.isEmpty();
    }

    void fire(Consumer<PoolListener> event) {
        if (listeners.isEmpty()) {
            return;
        }
        for (PoolListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                // a listener must not break the pool
                log.warn("pool '{}': listener {} failed: {}", poolName, listener, e.toString());
            }
        }
    }
}
