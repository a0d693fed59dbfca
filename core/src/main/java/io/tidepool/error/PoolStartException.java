package io.tidepool.error;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.tidepool.stats.PoolStats;

/**
 * {@code start()} gave up: the first connections could not be opened and checked within {@code startTimeout}, or
 * the failure was one that retrying cannot mend (a wrong password, an unknown database). The cause is the last
 * failure; no connection opened by the failed start is left open.
 */
public final class PoolStartException extends R2dbcNonTransientResourceException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;
    private final int attempts;

    public PoolStartException(String poolName, String reason, int attempts, PoolStats stats, Throwable cause) {
        super("pool '" + poolName + "' could not start: " + reason + " after " + attempts
                + (attempts == 1 ? " attempt" : " attempts") + "; last error: " + cause.getMessage(), cause);
        this.poolName = poolName;
        this.attempts = attempts;
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

    /** How many times start tried to open and check its first connections. */
    public int attempts() {
        return attempts;
    }
}
