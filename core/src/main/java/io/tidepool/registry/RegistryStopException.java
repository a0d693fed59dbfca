package io.tidepool.registry;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link PoolRegistry#stop(Duration)} did not close every pool cleanly: its deadline elapsed while pools were still
 * draining (they were then all asked to close, and finish on their own within their {@code closeTimeout}), or a
 * pool's close failed. Either way the registry is {@link RegistryState#STOPPED} and hands out nothing new.
 */
public final class RegistryStopException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> unclosed;
    private final transient Map<String, Throwable> closeFailures;

    RegistryStopException(String message, List<String> unclosed, Map<String, Throwable> closeFailures) {
        super(message);
        this.unclosed = List.copyOf(unclosed);
        this.closeFailures = Collections.unmodifiableMap(new LinkedHashMap<>(closeFailures));
        closeFailures.values().forEach(this::addSuppressed);
    }

    /** The pools still closing when the deadline elapsed, in the order they were to be closed; empty if none. */
    public List<String> unclosed() {
        return unclosed;
    }

    /** The pools whose close failed, with their errors. */
    public Map<String, Throwable> closeFailures() {
        return closeFailures;
    }
}
