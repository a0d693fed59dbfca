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
import reactor.core.publisher.SignalType;
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
 *
 * <p>A delivery can also win just as the subscriber gives up: a {@code timeout} downstream fires, decides to drop
 * whatever comes, and only then cancels; the connection it drops reaches no one. So a cancel that comes after the
 * delivery won, from another thread or after the delivery ended, returns the lease, unless its handle is already in
 * use (then the subscriber has it). A cancel on the delivering thread while the delivery is under way is the
 * subscriber taking the connection and cancelling the rest ({@code take(1)}, {@code next()}): the lease is theirs.
 */
final class AcquireOperation extends FirstRequest implements CoreSubscriber<PooledRef<Slot>> {

    private static final VarHandle DONE = Relay.field(MethodHandles.lookup(), "done", boolean.class);
    private static final VarHandle DELIVERY = Relay.field(MethodHandles.lookup(), "delivery", Object.class);
    /** {@link #delivery}: a cancel came while the delivery was under way; the delivering thread decides. */
    private static final Object CANCELLED_DURING = new Object();
    /** {@link #delivery}: the late cancel was dealt with. */
    private static final Object SETTLED = new Object();

    /** The acquire as a {@link Mono}: each subscription is one {@link AcquireOperation}, started on request. */
    static final class Acquire extends Mono<Lease> {

        private final Lending lending;
        private final @Nullable Throwable origin;

        Acquire(Lending lending, @Nullable Throwable origin) {
            this.lending = lending;
            this.origin = origin;
        }

        @Override
        public void subscribe(CoreSubscriber<? super Lease> actual) {
            actual.onSubscribe(new AcquireOperation(lending, actual, origin));
        }
    }

    private final Lending lending;
    private final PoolContext pool;
    private final CoreSubscriber<? super Lease> actual;
    private volatile boolean done;
    private volatile @Nullable Subscription upstream;
    private int invalidInARow;
    // timed from the call when a listener will want the wait, else from when it has to wait (for its deadline); in
    // the pool's ticks, the time of the scheduler that runs the deadline's timer
    private volatile long startedNanos;
    private volatile boolean waits;

    // the waiting list's links and deadline, guarded by the pool's Waiters
    @Nullable AcquireOperation previous;
    @Nullable AcquireOperation next;
    boolean linked;
    long deadlineNanos;

    private final @Nullable Throwable origin;

    // one field, so the acquire stays as small as before: the delivering Thread while the delivery is under way,
    // then the delivered Lease; CANCELLED_DURING or SETTLED once a late cancel came
    private volatile @Nullable Object delivery;

    private AcquireOperation(Lending lending, CoreSubscriber<? super Lease> actual, @Nullable Throwable origin) {
        this.lending = lending;
        this.pool = lending.ctx;
        this.actual = actual;
        this.origin = origin;
        this.startedNanos = pool.listeners.isEmpty() ? PoolContext.NOT_TIMED : pool.ticks.nanoTime();
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
        OutageTracker.Outage outage = pool.availability.isDown() && pool.engine().metrics().allocatedSize() == 0
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
        if (startedNanos == PoolContext.NOT_TIMED) {
            startedNanos = pool.ticks.nanoTime();
        }
        deadlineNanos = startedNanos + pool.configuration().acquireTimeout().toNanos();
        waits = true;
        lending.waiterStarted(this);
        if (done) {
            // it ended meanwhile, perhaps before it was on the list, where end() would not have found it
            lending.waiterEnded(this);
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
        if (lending.validation.isDue(ref)) {
            lending.validation.check(ref.poolable().connection()).subscribe(valid -> afterValidation(ref, valid));
        } else {
            deliver(ref);
        }
    }

    private void afterValidation(PooledRef<Slot> ref, boolean valid) {
        if (valid) {
            deliver(ref);
            return;
        }
        lending.validation.discard(ref).subscribe();
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
        // before the outcome is won: a cancel on this thread from then on comes from within the delivery
        Thread self = Thread.currentThread();
        delivery = self;
        if (end()) {
            Lease lease = lending.lend(ref, origin);
            if (!pool.listeners.isEmpty()) {
                // the event's lambda and duration are made only when someone listens: this is the hot path
                Duration waited = pool.sinceTicks(startedNanos);
                pool.listeners.fire(l -> l.connectionAcquired(pool.name(), waited));
            }
            // a cancel from now on finds the outcome decided: the caller's pipeline owns the lease and returns it,
            // unless the cancel shows that the pipeline dropped it (see returnIfDropped)
            actual.onNext(lease);
            actual.onComplete();
            if (!DELIVERY.compareAndSet(this, self, lease)) {
                // another thread cancelled while the lease was on its way
                delivery = SETTLED;
                returnIfDropped(lease);
            }
        } else {
            delivery = null;
            ref.release().subscribe(null, e -> { });
        }
    }

    /**
     * A cancel came after the delivery won: the subscriber gave up as the lease arrived (a timeout that fired first
     * drops it), so the lease reached no one. It is returned, unless its handle is in use.
     */
    private static void returnIfDropped(Lease lease) {
        if (!lease.inUse()) {
            lease.release(SignalType.ON_COMPLETE, null).subscribe(null, e -> { });
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
        pool.listeners.fire(l -> l.acquireFailed(pool.name(), pool.sinceTicks(startedNanos), error));
    }

    @Override
    public void cancel() {
        if (end()) {
            cancelUpstream();
            return;
        }
        for (;;) {
            Object d = delivery;
            if (d instanceof Thread) {
                // from within the delivery, on its thread: the subscriber takes the connection and cancels the rest;
                // from another thread: the delivering thread returns the lease once the delivery is over
                if (d == Thread.currentThread() || DELIVERY.compareAndSet(this, d, CANCELLED_DURING)) {
                    return;
                }
            } else if (d instanceof Lease lease) {
                if (DELIVERY.compareAndSet(this, d, SETTLED)) {
                    returnIfDropped(lease);
                    return;
                }
            } else {
                // no delivery (another outcome won), or the late cancel was dealt with already
                return;
            }
        }
    }

    /** Wins the one outcome of this acquire, or answers false when another outcome already won. */
    private boolean end() {
        if (!DONE.compareAndSet(this, false, true)) {
            return false;
        }
        if (waits) {
            lending.waiterEnded(this);
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
