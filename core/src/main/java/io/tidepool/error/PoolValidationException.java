package io.tidepool.error;

import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.stats.PoolStats;

/**
 * Connections failed their check: an acquire met more connections in a row that failed validation than the pool has
 * (every connection went bad at once, as after a failover, and a new one failed too), or a new connection failed its
 * first health check during {@code start()}. The message says which pool, how many failed and the pool's state, e.g.
 * {@code pool 'orders': 11 connections in a row failed validation (allocated=0/10, acquired=0, idle=0, pending=3)}.
 * Transient: the failed connections were closed, and a later attempt opens new ones.
 */
public final class PoolValidationException extends R2dbcTransientResourceException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;
    private final int failures;

    /**
     * @param reason what failed, in plain words, e.g. {@code "11 connections in a row failed validation"}
     * @param failures how many connections failed their check in a row
     */
    public PoolValidationException(String poolName, String reason, int failures, PoolStats stats) {
        super("pool '" + poolName + "': " + reason + " (" + stats.describeState() + ")");
        this.poolName = poolName;
        this.failures = failures;
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

    /** How many connections failed their check in a row. */
    public int failures() {
        return failures;
    }
}
