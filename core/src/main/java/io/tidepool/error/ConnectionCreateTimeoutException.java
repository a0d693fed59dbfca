package io.tidepool.error;

import io.r2dbc.spi.R2dbcTimeoutException;
import io.tidepool.stats.PoolStats;

import java.time.Duration;

/** Opening a connection took longer than the pool's {@code createTimeout}: the server or the network is slow or gone. */
public final class ConnectionCreateTimeoutException extends R2dbcTimeoutException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;

    public ConnectionCreateTimeoutException(String poolName, String target, Duration timeout, PoolStats stats) {
        super("pool '" + poolName + "': opening a connection to " + target + " timed out after " + timeout.toMillis()
                + " ms (" + stats.describeState() + ")");
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
