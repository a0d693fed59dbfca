package io.tidepool.error;

import io.r2dbc.spi.R2dbcTimeoutException;
import io.tidepool.stats.PoolStats;

import java.time.Duration;

/**
 * No connection could be handed out within the pool's {@code acquireTimeout}: every connection was borrowed and
 * none came back in time, or opening and validating one took too long. The message says which pool, how long the
 * caller waited and the pool's state, e.g.
 * {@code pool 'orders': no connection available after 2000 ms (allocated=10/10, acquired=10, idle=0, pending=37)}.
 */
public final class PoolAcquireTimeoutException extends R2dbcTimeoutException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;
    private final Duration timeout;

    public PoolAcquireTimeoutException(String poolName, Duration timeout, PoolStats stats) {
        super("pool '" + poolName + "': no connection available after " + timeout.toMillis() + " ms ("
                + stats.describeState() + ")");
        this.poolName = poolName;
        this.timeout = timeout;
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

    /** The configured {@code acquireTimeout} that elapsed. */
    public Duration timeout() {
        return timeout;
    }
}
