package io.tidepool.error;

import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.stats.PoolStats;

import java.time.Instant;

/**
 * The pool has no connection at all and its recent attempts to open one failed: callers fail at once instead of piling
 * up behind a database that is down, while the pool keeps trying in the background with backoff. The message says
 * since when and why, e.g. {@code pool 'orders': database unavailable since 2026-11-23T10:04:05Z (3 failed attempts to
 * connect; last error: Connection refused)}. Transient: retrying later is right.
 */
public final class DatabaseUnavailableException extends R2dbcTransientResourceException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;
    private final Instant since;

    public DatabaseUnavailableException(String poolName, Instant since, long failedAttempts, String lastError,
                                        PoolStats stats) {
        super("pool '" + poolName + "': database unavailable since " + since + " (" + failedAttempts
                + (failedAttempts == 1 ? " failed attempt" : " failed attempts") + " to connect; last error: "
                + lastError + ")");
        this.poolName = poolName;
        this.since = since;
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

    /** When the current run of failed attempts to connect began. */
    public Instant since() {
        return since;
    }
}
