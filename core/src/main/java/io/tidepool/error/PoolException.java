package io.tidepool.error;

import io.tidepool.stats.PoolStats;

/**
 * An error raised by the pool itself, as opposed to one the database or driver raised and the pool passed on.
 * Every such error names its pool and carries a snapshot of the pool's state at the moment it was raised. All but
 * {@link ConnectionReturnedException} (an {@link IllegalStateException}: a programming error) extend an R2DBC
 * category ({@link io.r2dbc.spi.R2dbcTimeoutException}, {@link io.r2dbc.spi.R2dbcTransientResourceException},
 * {@link io.r2dbc.spi.R2dbcNonTransientResourceException}).
 */
public sealed interface PoolException
        permits PoolAcquireTimeoutException, PoolPendingLimitException, PoolClosedException, PoolStartException,
        ConnectionCreateTimeoutException, DatabaseUnavailableException, PoolValidationException,
        CredentialsUnavailableException, ConnectionReturnedException, ConnectionSilentException {

    /** The name of the pool that raised this error. */
    String poolName();

    /** The pool's state and counts when this error was raised. */
    PoolStats stats();
}
