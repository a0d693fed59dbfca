package io.tidepool.internal;

import io.tidepool.PoolConfiguration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Watches one borrowing for leaks: reports it once past {@code leakDetectionThreshold}, with the stack that acquired
 * it, and reclaims it past {@code leakReclaimAfter}. Exists only when one of them is configured, so a pool without
 * leak detection neither captures stacks nor schedules timers; a pool that only reclaims schedules its timer but
 * captures no stack (nothing would ever report it).
 */
final class LeakWatch {

    private static final Logger log = LoggerFactory.getLogger("io.tidepool.leaks");

    private final Lease lease;
    private final PoolContext pool;
    private final @Nullable Throwable acquiredAt;
    private final long acquiredNanos;
    private final @Nullable Disposable report;
    private final @Nullable Disposable reclaim;
    private volatile boolean reported;

    private LeakWatch(Lease lease, PoolContext pool, long acquiredNanos, @Nullable Throwable acquiredAt) {
        this.lease = lease;
        this.pool = pool;
        this.acquiredNanos = acquiredNanos;
        this.acquiredAt = acquiredAt;
        PoolConfiguration config = pool.configuration();
        this.report = config.leakDetectionThreshold()
                .map(after -> config.scheduler().schedule(this::report, after.toMillis(), TimeUnit.MILLISECONDS))
                .orElse(null);
        this.reclaim = config.leakReclaimAfter()
                .map(after -> config.scheduler().schedule(this::reclaim, after.toMillis(), TimeUnit.MILLISECONDS))
                .orElse(null);
    }

    /** A watch for this borrowing, or null when leak detection and reclaim are both off. */
    static @Nullable LeakWatch of(Lease lease, PoolContext pool, long acquiredNanos,
                                  @Nullable Throwable origin) {
        PoolConfiguration config = pool.configuration();
        if (config.leakDetectionThreshold().isEmpty() && config.leakReclaimAfter().isEmpty()) {
            return null;
        }
        // the stack is for the leak report only: a watch that only reclaims must not pay for one per borrowing
        Throwable acquiredAt = config.leakDetectionThreshold().isEmpty() ? null : origin != null ? origin
                : new Throwable("connection of pool '" + pool.name() + "' acquired here");
        return new LeakWatch(lease, pool, acquiredNanos, acquiredAt);
    }

    /** The stack that acquired the borrowing, kept for a leak report; null when no report can be made. */
    @Nullable Throwable acquiredAt() {
        return acquiredAt;
    }

    private Duration held() {
        return PoolContext.since(acquiredNanos);
    }

    private void report() {
        Throwable acquiredAt = this.acquiredAt;
        if (lease.isReturning() || acquiredAt == null) {
            return;
        }
        reported = true;
        Duration held = held();
        pool.counters.leaks.increment();
        log.warn("pool '{}': a connection has been borrowed for {} ms and not returned; suspected leak ({})",
                pool.name(), held.toMillis(), pool.stats().describeState(), acquiredAt);
        pool.listeners.fire(l -> l.leakSuspected(pool.name(), held, acquiredAt));
    }

    private void reclaim() {
        Duration held = held();
        String reason = "connection of pool '" + pool.name() + "' was reclaimed by the pool after being borrowed for "
                + held.toMillis() + " ms (leakReclaimAfter " + pool.configuration().leakReclaimAfter().orElseThrow()
                + ")";
        lease.reclaim(reason).subscribe(null, e -> { }, () -> {
            log.warn("pool '{}': took back and closed a connection borrowed for {} ms", pool.name(),
                    held.toMillis());
            pool.listeners.fire(l -> l.connectionReclaimed(pool.name(), held));
        });
    }

    /** The borrowing ended: stop watching, and say so if it had been reported. */
    void ended() {
        if (report != null) {
            report.dispose();
        }
        if (reclaim != null) {
            reclaim.dispose();
        }
        if (reported) {
            log.info("pool '{}': the connection reported as a suspected leak came back after {} ms", pool.name(),
                    held().toMillis());
        }
    }
}
