package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pooled connection as reactor-pool holds it: the driver's connection, what it was like when opened (so a
 * release can restore it), its own jittered lifetime limit, and when it was last used and last known to work.
 *
 * <p>The idle times are kept here rather than read from reactor-pool's metadata: that reads zero once a connection is
 * handed out (so it cannot tell an acquire how long the connection sat idle), and a keepalive's borrow-and-return
 * would reset it (so idle eviction would never fire).
 */
final class Slot {

    private static final VarHandle LEASE = Relay.field(MethodHandles.lookup(), "lease", Lease.class);
    private static final VarHandle CLOSING = Relay.field(MethodHandles.lookup(), "closing", boolean.class);

    private final Connection connection;
    private volatile @Nullable Lease lease;
    private volatile boolean closing;
    private final IsolationLevel initialIsolation;
    private final long lifetimeLimitMillis;
    private final long generation;
    // written by the thread returning the connection, read by the next borrower's or the keepalive's thread
    private volatile long lastUsedMillis;
    private volatile long lastCheckedMillis;

    Slot(Connection connection, long lifetimeLimitMillis, long generation, long nowMillis) {
        this.connection = connection;
        this.generation = generation;
        this.lastUsedMillis = nowMillis;
        this.lastCheckedMillis = nowMillis;
        // r2dbc-postgresql caches the level it read at connect time: no round trip
        this.initialIsolation = connection.getTransactionIsolationLevel();
        this.lifetimeLimitMillis = lifetimeLimitMillis;
    }

    /** True the first time only: the connection is closed once, whoever closes it (reactor-pool or close()'s sweep). */
    boolean startClosing() {
        return CLOSING.compareAndSet(this, false, true);
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

    /** A borrower gave the connection back in working order. */
    void returnedByBorrower(long nowMillis) {
        lastUsedMillis = nowMillis;
        lastCheckedMillis = nowMillis;
    }

    /** A keepalive ping passed: the connection works, but nobody used it. */
    void pinged(long nowMillis) {
        lastCheckedMillis = nowMillis;
    }

    /** How long since a borrower last gave it back (or since it was opened): what idle eviction measures. */
    long unusedForMillis(long nowMillis) {
        return nowMillis - lastUsedMillis;
    }

    /** How long since the connection was last known to work: what validation on acquire and keepalive measure. */
    long uncheckedForMillis(long nowMillis) {
        return nowMillis - lastCheckedMillis;
    }
}
