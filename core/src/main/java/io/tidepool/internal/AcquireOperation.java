package io.tidepool.internal;

import io.tidepool.error.DatabaseUnavailableException;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.error.PoolClosedException;
import io.tidepool.error.PoolPendingLimitException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.MonoSink;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolShutdownException;
import reactor.pool.PooledRef;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One caller's wait for a connection: borrow from reactor-pool, validate if the connection was idle too long, try
 * another if it fails, all under one deadline.
 *
 * <p>Exactly one of deliver, time out, cancel, fail and pool-closed wins the {@link #done} flag. A connection that
 * arrives after another outcome won is given back to reactor-pool; a validation in flight is never cancelled (that
 * would leave its conversation open) but finishes, and its connection is returned or discarded.
 */
final class AcquireOperation implements CoreSubscriber<PooledRef<Slot>> {

    private final DefaultTidepoolPool pool;
    private final MonoSink<Lease> sink;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile @Nullable Subscription upstream;
    private volatile @Nullable Disposable timer;
    private int invalidInARow;
    private final long startedNanos = System.nanoTime();
    private volatile boolean registered;

    private final @Nullable Throwable origin;

    AcquireOperation(DefaultTidepoolPool pool, MonoSink<Lease> sink, @Nullable Throwable origin) {
        this.pool = pool;
        this.sink = sink;
        this.origin = origin;
    }

    void start() {
        sink.onCancel(this::cancel);
        // a volatile read while the database is up. During an outage only a pool with no connection at all fails
        // fast: one whose connections are merely busy (a role's connection limit, say) lets its callers wait
        Availability.Outage outage = pool.availability.isDown() && pool.engine().metrics().allocatedSize() == 0
                ? pool.availability.check() : null;
        if (outage != null) {
            // the database is down and this caller is not the one probing it: fail now, do not pile up
            fail(new DatabaseUnavailableException(pool.name(), outage.since(), outage.failures(),
                    outage.lastError(), pool.stats()));
            return;
        }
        borrow();
        if (done.get()) {
            // handed over at once, the common case on a warm pool: no timer, no registration
            return;
        }
        // the caller waits: arm its deadline, counted from the call, and let close() find it
        long remaining = pool.configuration().acquireTimeout().toNanos() - (System.nanoTime() - startedNanos);
        timer = pool.configuration().scheduler().schedule(this::timeOut, Math.max(0, remaining),
                TimeUnit.NANOSECONDS);
        registered = true;
        pool.waiterStarted(this);
        if (done.get()) {
            disposeTimer();
            pool.waiterEnded(this);
        }
    }

    private void borrow() {
        pool.engine().acquire().subscribe(this);
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        if (done.get()) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(PooledRef<Slot> ref) {
        if (done.get()) {
            // reactor-pool may deliver after we cancelled: the connection is clean, give it back
            ref.release().subscribe(null, e -> { });
            return;
        }
        if (pool.needsValidation(ref)) {
            pool.validate(ref.poolable().connection()).subscribe(valid -> afterValidation(ref, valid));
        } else {
            deliver(ref);
        }
    }

    private void afterValidation(PooledRef<Slot> ref, boolean valid) {
        if (valid) {
            deliver(ref);
            return;
        }
        pool.discardInvalid(ref).subscribe();
        if (done.get()) {
            return;
        }
        // every connection may have gone bad at once (a failover): try each, then open a new one, then give up
        if (++invalidInARow > pool.configuration().maxSize()) {
            fail(new ValidationFailedException("pool '" + pool.name() + "': " + invalidInARow
                    + " connections in a row failed validation (" + pool.stats().describeState() + ")"));
            return;
        }
        borrow();
    }

    private void deliver(PooledRef<Slot> ref) {
        if (end()) {
            Lease lease = new Lease(ref, pool, origin);
            pool.leaseStarted(lease);
            if (!pool.listeners.isEmpty()) {
                // the event's lambda and duration are made only when someone listens: this is the hot path
                Duration waited = DefaultTidepoolPool.since(startedNanos);
                pool.listeners.fire(l -> l.connectionAcquired(pool.name(), waited));
            }
            // if the subscriber cancels at this very moment, the sink discards the lease to the pool's discard hook
            sink.success(lease);
        } else {
            ref.release().subscribe(null, e -> { });
        }
    }

    @Override
    public void onError(Throwable error) {
        if (error instanceof PoolAcquirePendingLimitException) {
            fail(new PoolPendingLimitException(pool.name(), pool.stats()));
        } else if (error instanceof PoolShutdownException) {
            fail(new PoolClosedException(pool.name(), pool.stats()));
        } else {
            fail(error);
        }
    }

    @Override
    public void onComplete() {
        // reactor-pool's acquire always emits a value or an error; the value was handled in onNext
    }

    private void fail(Throwable error) {
        if (end()) {
            signalFailure(error);
        }
    }

    private void signalFailure(Throwable error) {
        // a no-op when the failure came from upstream; otherwise it stops waiting for reactor-pool
        cancelUpstream();
        acquireFailed(error);
        sink.error(error);
    }

    private void timeOut() {
        if (done.get()) {
            return;
        }
        // the state is read while this caller still waits, so the message counts it among the pending
        Throwable error = new PoolAcquireTimeoutException(pool.name(), pool.configuration().acquireTimeout(),
                pool.stats());
        if (end()) {
            pool.counters.timeouts.increment();
            signalFailure(error);
        }
    }

    /** The pool is closing: waiters fail at once. */
    void poolClosed() {
        fail(new PoolClosedException(pool.name(), pool.stats()));
    }

    private void acquireFailed(Throwable error) {
        pool.listeners.fire(l -> l.acquireFailed(pool.name(), DefaultTidepoolPool.since(startedNanos), error));
    }

    private void cancel() {
        if (end()) {
            cancelUpstream();
        }
    }

    /** Wins the one outcome of this acquire, or answers false when another outcome already won. */
    private boolean end() {
        if (!done.compareAndSet(false, true)) {
            return false;
        }
        disposeTimer();
        if (registered) {
            pool.waiterEnded(this);
        }
        return true;
    }

    private void cancelUpstream() {
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
    }

    private void disposeTimer() {
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
    }
}
