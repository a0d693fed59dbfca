package io.tidepool.internal;

import io.tidepool.error.ConnectionSilentException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Finds borrowed connections whose statement has waited longer than {@code silenceTimeout} without a signal from the
 * server, and closes them under their borrowers: a silent network (bytes held, nothing closed) would otherwise hold
 * the borrower, and its connection, until the kernel gives up. One timer for the pool, not one per statement.
 */
final class SilenceWatch {

    private static final Logger log = LoggerFactory.getLogger(SilenceWatch.class);

    private final PoolContext pool;
    private final ConnectionSource source;
    private final Duration timeout;

    SilenceWatch(PoolContext pool, ConnectionSource source, Duration timeout) {
        this.pool = pool;
        this.source = source;
        this.timeout = timeout;
    }

    /** Checks every quarter of the timeout, so a silent statement fails between 1 and 1.25 timeouts in. */
    Disposable schedule() {
        long period = Math.max(10, timeout.toMillis() / 4);
        return pool.configuration().scheduler().schedulePeriodically(this::check, period, period,
                TimeUnit.MILLISECONDS);
    }

    private void check() {
        long now = pool.nowMillis();
        for (Lease lease : source.borrowed()) {
            long silent = lease.silentForMillis(now);
            if (silent > timeout.toMillis()) {
                log.warn("pool '{}': {} sent nothing for {} ms while a statement waited (silenceTimeout {} ms); "
                        + "closing the connection", pool.name(), pool.configuration().target(), silent,
                        timeout.toMillis());
                lease.silenced(new ConnectionSilentException(pool.name(), pool.configuration().target(), timeout,
                        pool.stats()));
            }
        }
        pool.lane().ifPresent(lane -> lane.closeSilent(timeout));
    }
}
