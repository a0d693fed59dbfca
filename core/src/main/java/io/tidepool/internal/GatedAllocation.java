package io.tidepool.internal;

import reactor.pool.AllocationStrategy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * reactor-pool's permits to open connections, up to {@code maxSize}, withheld while the database refuses new
 * connections and the pool has some: after a failed attempt, only one attempt per backoff period is allowed, so
 * callers wait for a connection to come back instead of each triggering (and failing) an attempt of its own. Without it, a pool whose
 * maxSize exceeds what the server allows (a role's connection limit, max_connections) failed about 4 requests in 10.
 */
final class GatedAllocation implements AllocationStrategy {

    private final int max;
    private final AtomicInteger available;
    private final OutageTracker availability;
    // connections the next warmup() is to open: reactor-pool asks for them as getPermits(0)
    private final AtomicInteger wanted = new AtomicInteger();
    // how many a warmup() must open for the idle connections to reach minIdle, given the permits granted then
    private volatile java.util.function.IntUnaryOperator idleDeficit = granted -> 0;

    GatedAllocation(int max, OutageTracker availability) {
        this.max = max;
        this.available = new AtomicInteger(max);
        this.availability = availability;
    }

    @Override
    public int estimatePermitCount() {
        return available.get();
    }

    /**
     * Asks reactor-pool's next {@code warmup()} to open {@code count} new idle connections (as many as the permits
     * allow), whatever is idle now: the only way to add a connection to its idle queue without an acquire, which
     * would hand out an idle one instead of opening one.
     */
    void wantOpened(int count) {
        wanted.accumulateAndGet(count, Math::max);
    }

    /**
     * How many connections a {@code warmup()} must open to bring the idle ones up to minIdle, as a function of the
     * permits granted at that moment: worked out as the permits are taken, so that two refills racing each other (a
     * destroy's and a keepalive pass's) never both open the same missing connections.
     */
    void refillsTo(java.util.function.IntUnaryOperator deficitGivenGranted) {
        this.idleDeficit = deficitGivenGranted;
    }

    @Override
    public int getPermits(int desired) {
        if (desired == 0) {
            // reactor-pool's warmup() asks for its count so: what was asked for (a start by first use, which knows of
            // the caller's own acquire), or else what minIdle lacks now
            return warmupPermits(wanted.getAndSet(0));
        }
        return grant(desired);
    }

    private int warmupPermits(int asked) {
        for (;;) {
            int now = available.get();
            int desired = asked > 0 ? asked : idleDeficit.applyAsInt(max - now);
            if (desired <= 0) {
                return 0;
            }
            int granted = Math.min(now, gated(desired));
            if (granted == 0 || available.compareAndSet(now, now - granted)) {
                return granted;
            }
        }
    }

    private int grant(int desired) {
        if (desired <= 0) {
            return 0;
        }
        desired = gated(desired);
        for (;;) {
            int now = available.get();
            int granted = Math.min(now, desired);
            if (granted == 0 || available.compareAndSet(now, now - granted)) {
                return granted;
            }
        }
    }

    /**
     * While the database refuses and some connections are open (so returns will serve the waiting callers), at most
     * one attempt per backoff period; with none open, nothing would wake a withheld caller: let it try.
     */
    private int gated(int desired) {
        if (availability.isDown() && permitGranted() > 0) {
            return availability.mayProbe() ? 1 : 0;
        }
        return desired;
    }

    @Override
    public int permitGranted() {
        return max - available.get();
    }

    /** Non-zero so that reactor-pool's {@code warmup()} runs at all; what it opens is what {@link #wantOpened} asked. */
    @Override
    public int permitMinimum() {
        return 1;
    }

    @Override
    public int permitMaximum() {
        return max;
    }

    @Override
    public void returnPermits(int returned) {
        available.updateAndGet(now -> Math.min(max, now + returned));
    }
}
