package io.tidepool.error;

import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.stats.PoolStats;

/**
 * The acquire was refused at once because as many callers as {@code maxPendingAcquires} allows already wait for a
 * connection. Transient: retrying later may succeed; retrying at once adds to the queue that caused it.
 */
public final class PoolPendingLimitException extends R2dbcTransientResourceException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;

    public PoolPendingLimitException(String poolName, PoolStats stats) {
        super("pool '" + poolName + "': " + stats.maxPending() + " callers already wait for a connection, "
                + "the most maxPendingAcquires allows (" + stats.describeState() + ")");
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
