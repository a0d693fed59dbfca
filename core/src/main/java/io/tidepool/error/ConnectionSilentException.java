package io.tidepool.error;

import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.stats.PoolStats;

import java.time.Duration;

/**
 * The server sent nothing for longer than the pool's {@code silenceTimeout} while a borrower waited on it: the
 * network went silent (a blackhole, a dropped route, a frozen host), so the pool closed the connection rather than
 * let the borrower wait for the kernel's retransmission limit (about 15 minutes on Linux). SQLSTATE {@code 08006}
 * (connection failure): a transient connection error, retried by a {@code RetryPolicy}.
 */
public final class ConnectionSilentException extends R2dbcTransientResourceException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;

    public ConnectionSilentException(String poolName, String target, Duration silenceTimeout, PoolStats stats) {
        super("pool '" + poolName + "': " + target + " sent nothing for " + silenceTimeout.toMillis()
                + " ms (silenceTimeout) while a statement waited; the connection was closed (" + stats.describeState()
                + ")", "08006");
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
