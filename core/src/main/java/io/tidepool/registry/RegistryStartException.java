package io.tidepool.registry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@link PoolRegistry#start()} failed: a required pool could not start within its deadline, or the registry was
 * stopped before it finished starting. By the time this error is signalled every pool of the registry has been
 * closed (or, if closing outlasted the stop deadline, asked to close).
 *
 * <p>The message lists every pool that failed, required and optional, with its error, e.g.
 * {@code registry could not start: 1 required pool failed (main), every pool was closed; main (required): pool 'main'
 * could not start: ...; cache (optional): ...}. Each failure is also attached as a suppressed exception.
 */
public final class RegistryStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Map<String, Throwable> failures;
    private final transient Set<String> required;

    RegistryStartException(String message, Map<String, Throwable> failures, Set<String> required) {
        super(message);
        this.failures = Collections.unmodifiableMap(new LinkedHashMap<>(failures));
        this.required = Set.copyOf(required);
        failures.values().forEach(this::addSuppressed);
    }

    /** Every pool that failed to start, by name, in registration order, with its error. */
    public Map<String, Throwable> failures() {
        return failures;
    }

    /** The names of the required pools among {@link #failures()}; empty when the registry was stopped while starting. */
    public Set<String> requiredFailures() {
        return required;
    }
}
