package io.tidepool.internal;

import org.jspecify.annotations.Nullable;
import reactor.pool.PooledRef;

/**
 * What an acquire needs besides the pool's context: validation of the connection it gets, the list it waits on,
 * and the lease it hands out. One per pool, so that each acquire holds one reference for all of them.
 */
final class Lending {

    final PoolContext ctx;
    final Validation validation;
    private final ConnectionSource source;
    private final Waiters waiters;

    Lending(PoolContext ctx, ConnectionSource source, Validation validation, Waiters waiters) {
        this.ctx = ctx;
        this.source = source;
        this.validation = validation;
        this.waiters = waiters;
    }

    /** The caller waits from now on; a close that began meanwhile must not miss it. */
    void waiterStarted(AcquireOperation waiter) {
        waiters.add(waiter);
        if (ctx.isClosing()) {
            waiter.poolClosed();
        }
    }

    void waiterEnded(AcquireOperation waiter) {
        waiters.remove(waiter);
    }

    /** A borrowing of the connection {@code ref} holds, begun now. */
    Lease lend(PooledRef<Slot> ref, @Nullable Throwable origin) {
        Lease lease = new Lease(ref, ctx, source, origin);
        ctx.counters.acquires.increment();
        ref.poolable().borrowedBy(lease);
        return lease;
    }
}
