package io.tidepool.internal;

import io.tidepool.PoolListener;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * For a pool whose connections must go to the primary ({@code failover://h1,h2?targetServerType=primary}): when the
 * primary is gone (a broken connection, a failed connect) or has become read-only (SQLSTATE 25006, a demoted primary
 * still answering), every connection opened before is retired at once ({@link Upkeep#evictAll()}), so
 * that the next acquires open connections that the protocol client (r2dbc-postgresql, or the native client's
 * {@code HostChooser}) sends to whichever host is primary now, instead of
 * each old connection failing its own borrower in turn.
 *
 * <p>A failover comes as a burst of such failures (every borrowed connection, every connect attempt until a standby is
 * promoted): the first failure evicts, and the rest of the burst does nothing. The burst lasts while no connection
 * could be opened since the evict (an outage, however long; the pool's connect backoff spaces attempts up to 5 s
 * apart), and then until {@link #QUIET} passes without a failure. The connections an evict retires fail or come
 * back within the burst, so they do not evict the new primary's connections again.
 */
final class FailoverWatch implements PoolListener {

    /** Failures closer together than this are one burst: one evict. */
    static final Duration QUIET = Duration.ofSeconds(2);
    private static final String READ_ONLY = "25006";
    private static final Logger log = LoggerFactory.getLogger(io.tidepool.TidepoolPool.class);

    private final PoolContext pool;
    private final Upkeep upkeep;
    private final ErrorClassifier classifier;
    // nanoTime of the last failure; MIN_VALUE before the first
    private final AtomicLong lastFailure = new AtomicLong(Long.MIN_VALUE);
    // a connection was opened since the last evict: the outage, if any, is over
    private final java.util.concurrent.atomic.AtomicBoolean connectedSinceEvict =
            new java.util.concurrent.atomic.AtomicBoolean(true);

    private FailoverWatch(PoolContext pool, Upkeep upkeep) {
        this.pool = pool;
        this.upkeep = upkeep;
        this.classifier = pool.config.errorClassifier();
    }

    /** Watches {@code pool} when its configuration targets the primary of several hosts; does nothing otherwise. */
    static void install(PoolContext pool, Upkeep upkeep) {
        if (pool.config.followsPrimary()) {
            pool.listeners.add(new FailoverWatch(pool, upkeep));
        }
    }

    @Override
    public void workFailed(String name, Throwable error) {
        if (READ_ONLY.equals(ErrorClassifier.sqlState(error))
                || classifier.classify(error) == ErrorCategory.TRANSIENT_CONNECTION) {
            failed(error);
        }
    }

    @Override
    public void connectionCreated(String name, Duration took) {
        connectedSinceEvict.lazySet(true);
    }

    /**
     * A connect refused, reset or answered by no primary is a sign; one that only took too long is not (an overloaded
     * machine looks the same, and an evict would then retire good connections): dead connections to a host that went
     * silent are found by validation, keepalive and {@code silenceTimeout}.
     */
    @Override
    public void connectionCreateFailed(String name, Duration took, Throwable error) {
        if (!(error instanceof io.tidepool.error.ConnectionCreateTimeoutException)
                && classifier.classify(error) == ErrorCategory.TRANSIENT_CONNECTION) {
            failed(error);
        }
    }

    private void failed(Throwable error) {
        long now = System.nanoTime();
        long previous = lastFailure.getAndSet(now);
        boolean inBurst = previous != Long.MIN_VALUE
                && (!connectedSinceEvict.get() || now - previous < QUIET.toNanos());
        if (inBurst || !connectedSinceEvict.compareAndSet(true, false)) {
            return;
        }
        log.warn("pool '{}': the primary is gone or read-only ({}); retiring every connection opened before, new "
                        + "ones go to the host that is primary now", pool.name(),
                classifier.describe(error));
        pool.listeners.fire(l -> l.failoverDetected(pool.name(), error));
        upkeep.evictAll().subscribe(null, e -> log.debug("pool '{}': evicting after a failover failed: {}",
                pool.name(), e.toString()));
    }
}
