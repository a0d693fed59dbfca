package io.tidepool.registry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/** The opt-in JVM shutdown hook of a registry: stops it with its deadline, and leaves when it is stopped otherwise. */
final class ShutdownHook {

    private static final Logger log = LoggerFactory.getLogger(PoolRegistry.class);
    /** Beyond the stop deadline, how long the hook waits for the pools that were asked to close at the deadline. */
    private static final Duration GRACE = Duration.ofSeconds(1);

    private final Thread thread;
    private final AtomicBoolean installed = new AtomicBoolean();

    ShutdownHook(PoolRegistry registry, Duration deadline) {
        this.thread = new Thread(() -> run(registry, deadline), "tidepool-registry-shutdown");
    }

    private static void run(PoolRegistry registry, Duration deadline) {
        log.info("JVM shutdown: stopping the pool registry within {} ms", deadline.toMillis());
        try {
            registry.stop(deadline).block(deadline.plus(GRACE));
        } catch (RuntimeException e) {
            // the JVM is exiting: report and let it exit
            log.warn("JVM shutdown: the pool registry did not stop cleanly: {}", e.getMessage());
        }
    }

    void install() {
        if (installed.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(thread);
        }
    }

    /** Removes the hook, unless it is the one running (the JVM is then shutting down and refuses removals). */
    void remove() {
        if (installed.compareAndSet(true, false) && Thread.currentThread() != thread) {
            try {
                Runtime.getRuntime().removeShutdownHook(thread);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already shutting down: the hook stays, and finds the registry stopped
            }
        }
    }

    Thread thread() {
        return thread;
    }
}
