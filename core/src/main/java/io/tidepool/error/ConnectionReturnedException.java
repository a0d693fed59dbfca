package io.tidepool.error;

import io.tidepool.stats.PoolStats;

/**
 * A connection was used after it went back to its pool: after its {@code close()}, after the end of the
 * {@code withConnection} it was lent to, or after the pool took it back ({@code leakReclaimAfter}, or
 * {@code closeTimeout} during {@code close()}). A programming error, not a database one: it is an
 * {@link IllegalStateException}, thrown by the methods that answer at once ({@code createStatement}, ...) and
 * signalled by the publishers (transactions, setters, {@code execute}) when they are subscribed. The message says
 * which pool and why, e.g. {@code connection of pool 'orders' was already returned to the pool and must not be used
 * any more}.
 */
public final class ConnectionReturnedException extends IllegalStateException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;

    public ConnectionReturnedException(String poolName, String message, PoolStats stats) {
        super(message);
        this.poolName = poolName;
        this.stats = stats;
    }

    @Override
    public String poolName() {
        return poolName;
    }

    @Override
    public PoolStats stats() {
        return stats;
    }
}
