package io.tidepool.error;

import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.stats.PoolStats;

/**
 * The pool's {@code passwordSupplier} completed without a password, so no connection could be opened, e.g.
 * {@code pool 'orders': passwordSupplier gave no password, so no connection can be opened (allocated=0/10, ...)}.
 * Transient: the supplier is asked again for the next connection (a secret being rotated may be back by then), and
 * {@code start()} keeps trying until its {@code startTimeout}. An error the supplier itself raises is passed on as it is.
 */
public final class CredentialsUnavailableException extends R2dbcTransientResourceException implements PoolException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final transient PoolStats stats;

    public CredentialsUnavailableException(String poolName, PoolStats stats) {
        super("pool '" + poolName + "': passwordSupplier gave no password, so no connection can be opened ("
                + stats.describeState() + ")");
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
