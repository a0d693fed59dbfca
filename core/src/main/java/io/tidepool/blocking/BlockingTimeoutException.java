package io.tidepool.blocking;

import io.r2dbc.spi.R2dbcTimeoutException;

import java.time.Duration;

/**
 * A {@link BlockingPool} call did not finish within its timeout. The work was cancelled when the timeout elapsed, so
 * its connection goes back to the pool (reset, or closed if it cannot be reset in time), exactly as when a reactive
 * subscriber cancels.
 */
public final class BlockingTimeoutException extends R2dbcTimeoutException {

    private static final long serialVersionUID = 1L;

    private final String poolName;
    private final Duration timeout;

    BlockingTimeoutException(String poolName, Duration timeout) {
        super("pool '" + poolName + "': the blocking call did not finish within " + timeout.toMillis()
                + " ms; its work was cancelled and its connection returned to the pool");
        this.poolName = poolName;
        this.timeout = timeout;
    }

    /** The pool the work ran on. */
    public String poolName() {
        return poolName;
    }

    /** The timeout that elapsed. */
    public Duration timeout() {
        return timeout;
    }
}
