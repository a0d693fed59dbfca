package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;

/**
 * One pooled connection as reactor-pool holds it: the driver's connection, what it was like when opened (so a
 * release can restore it), and its own jittered lifetime limit.
 */
final class Slot {

    private final Connection connection;
    private final IsolationLevel initialIsolation;
    private final long lifetimeLimitMillis;
    private final long generation;

    Slot(Connection connection, long lifetimeLimitMillis, long generation) {
        this.connection = connection;
        this.generation = generation;
        // r2dbc-postgresql caches the level it read at connect time: no round trip
        this.initialIsolation = connection.getTransactionIsolationLevel();
        this.lifetimeLimitMillis = lifetimeLimitMillis;
    }

    /** The pool's generation when this connection was opened; {@code evictAll} retires older generations. */
    long generation() {
        return generation;
    }

    Connection connection() {
        return connection;
    }

    IsolationLevel initialIsolation() {
        return initialIsolation;
    }

    /** Milliseconds after its creation when this connection retires; {@link Long#MAX_VALUE} when it never does. */
    long lifetimeLimitMillis() {
        return lifetimeLimitMillis;
    }
}
