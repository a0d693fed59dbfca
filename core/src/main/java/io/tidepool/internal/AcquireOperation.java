package io.tidepool.internal;

import io.tidepool.error.DatabaseUnavailableException;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.error.PoolClosedException;
import io.tidepool.error.PoolPendingLimitException;
import io.tidepool.error.PoolValidationException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolShutdownException;
import reactor.pool.PooledRef;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * One caller's wait for a connection: borrow from reactor-pool, validate if the connection was idle too long, try
 * another if it fails, all under one deadline. It is the caller's {@link Subscription} itself (see {@link Acquire}):
 * no sink or operator between the two.
 *
 * <p>Exactly one of deliver, time out, cancel, fail and pool-closed wins the {@link #done} flag. A connection that
 * arrives after another outcome won is given back to reactor-pool; a validation in flight is never cancelled (that
 * would leave its conversation open) but finishes, and its connection is returned or discarded.
 */
final class AcquireOperation extends FirstRequest implements CoreSubscriber<PooledRef<Slot>> {

    private static final VarHandle DONE = Relay.field(MethodHandles.lookup(), "done", boolean.class);

    /** The acquire as a {@link Mono}: each subscription is one {@link AcquireOperation}, started on request. */
    static final class Acquire extends Mono<Lease> {

        private final DefaultTidepoolPool pool;
        private final @Nullable Throwable origin;

        Acquire(DefaultTidepoolPool pool, @Nullable Throwable origin) {
            this.pool = pool;
            this.origin = origin;
        }

        @Override
        public void subscribe(CoreSubscriber<? super Lease> actual) {
            actual.onSubscribe(new AcquireOperation(pool, actual, origin));
        }
    }

    private final DefaultTidepoolPool pool;
    private final CoreSubscriber<? super Lease> actual;
    private volatile boolean done;
    private volatile @Nullable Subscription upstream;
    private int invalidInARow;
    // timed from the call when a listener will want the wait, else from when it has to wait (for its deadline)
    private volatile long startedNanos;
    private volatile boolean waits;

    // the waiting list's links and deadline, guarded by the pool's Waiters
    @Nullable AcquireOperation previous;
    @Nullable AcquireOperation next;
    boolean linked;
    long deadlineNanos;

    private final @Nullable Throwable origin;

    private AcquireOperation(DefaultTidepoolPool pool, CoreSubscriber<? super Lease> actual,
                             @Nullable Throwable origin) {
        this.pool = pool;
        this.actual = actual;
        this.origin = origin;
        this.startedNanos = pool.listeners.isEmpty() ? DefaultTidepoolPool.NOT_TIMED : System.nanoTime();
    }

    @Override
    void refused(IllegalArgumentException error) {
        fail(Operators.onOperatorError(error, actual.currentContext()));
    }

    @Override
    void start() {
        if (pool.isClosing()) {
            if (end()) {
                actual.onError(new PoolClosedException(pool.name(), pool.stats()));
            }
            return;
        }
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
        if (done) {
            // handed over at once, the common case on a warm pool: not a waiter
            return;
        }
        // the caller waits: its deadline counts from the call, and close() must find it
        if (startedNanos == DefaultTidepoolPool.NOT_TIMED) {
            startedNanos = System.nanoTime();
        }
        deadlineNanos = startedNanos + pool.configuration().acquireTimeout().toNanos();
        waits = true;
        pool.waiterStarted(this);
        if (done) {
            // it ended meanwhile, perhaps before it was on the list, where end() would not have found it
            pool.waiterEnded(this);
        }
    }

    private void borrow() {
        pool.engine().acquire().subscribe(this);
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        if (done) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(PooledRef<Slot> ref) {
        if (done) {
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
        if (done) {
            return;
        }
        // every connection may have gone bad at once (a failover): try each, then open a new one, then give up
        if (++invalidInARow > pool.configuration().maxSize()) {
            fail(new PoolValidationException(pool.name(), invalidInARow + " connections in a row failed validation",
                    invalidInARow, pool.stats()));
            return;
        }
        borrow();
    }

    private void deliver(PooledRef<Slot> ref) {
        if (end()) {
            Lease lease = new Lease(ref, pool, origin);
            pool.leaseStarted(lease, ref.poolable());
            if (!pool.listeners.isEmpty()) {
                // the event's lambda and duration are made only when someone listens: this is the hot path
                Duration waited = DefaultTidepoolPool.since(startedNanos);
                pool.listeners.fire(l -> l.connectionAcquired(pool.name(), waited));
            }
            // a cancel from now on finds the outcome decided: the caller's pipeline owns the lease and returns it
            actual.onNext(lease);
            actual.onComplete();
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
        actual.onError(error);
    }

    /** Its deadline passed: called by {@link Waiters}, which has already taken it off the list. */
    void timeOut() {
        if (done) {
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

    @Override
    public void cancel() {
        if (end()) {
            cancelUpstream();
        }
    }

    /** Wins the one outcome of this acquire, or answers false when another outcome already won. */
    private boolean end() {
        if (!DONE.compareAndSet(this, false, true)) {
            return false;
        }
        if (waits) {
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
}
