package io.tidepool.error;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.tidepool.stats.PoolStats;

/** The pool is closing or closed: it hands out no more connections. */
public final class PoolClosedException extends R2dbcNonTransientResourceException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;

    public PoolClosedException(String poolName, PoolStats stats) {
        super("pool '" + poolName + "' is closed: it hands out no more connections");
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
