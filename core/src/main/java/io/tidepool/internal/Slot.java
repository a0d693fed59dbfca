package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pooled connection as reactor-pool holds it: the driver's connection, what it was like when opened (so a
 * release can restore it), and its own jittered lifetime limit.
 */
final class Slot {

    private static final VarHandle LEASE = Relay.field(MethodHandles.lookup(), "lease", Lease.class);

    private final Connection connection;
    private volatile @Nullable Lease lease;
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

    /** The borrowing this connection is in now, or null while it is idle (or being validated, opened, closed). */
    @Nullable Lease lease() {
        return lease;
    }

    /** The connection was handed to a borrower. */
    void borrowedBy(Lease borrower) {
        lease = borrower;
    }

    /**
     * The borrowing ended. Only if it is still the one recorded: its return may have handed the connection to the
     * next borrower before this runs.
     */
    void returnedBy(Lease borrower) {
        LEASE.compareAndSet(this, borrower, null);
    }

    /** Milliseconds after its creation when this connection retires; {@link Long#MAX_VALUE} when it never does. */
    long lifetimeLimitMillis() {
        return lifetimeLimitMillis;
    }
}
