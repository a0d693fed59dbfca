package io.tidepool.internal;

import io.tidepool.PoolConfiguration;
import io.tidepool.PoolState;
import io.tidepool.stats.LaneStats;
import io.tidepool.stats.PoolStats;
import org.jspecify.annotations.Nullable;
import reactor.pool.InstrumentedPool;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every part of one pool shares: its configuration, counters, listeners, the database's availability, its
 * lifecycle state, reactor-pool's engine, and time. The parts (acquire, lease, upkeep, lifecycle, connection source,
 * watches) take this, never the pool itself, so no arrow runs from a part back up to the facade.
 */
final class PoolContext {

    /** A nanosecond time not taken: the hot path reads the clock only when someone will use the time. */
    static final long NOT_TIMED = Long.MIN_VALUE;

    final PoolConfiguration config;
    final PoolCounters counters = new PoolCounters();
    final Listeners listeners;
    final OutageTracker availability;
    /** The scheduler's time, which acquire deadlines and their timer agree on. */
    final Ticks ticks;
    private final AtomicReference<PoolState> state = new AtomicReference<>(PoolState.NEW);
    private final boolean watchesLeaks;
    // the clock a borrowing's exchanges are timed with, only when silenceTimeout is set
    private final @Nullable Clock silenceClock;
    private volatile @Nullable InstrumentedPool<Slot> engine;
    private volatile @Nullable MultiplexedLane lane;

    PoolContext(PoolConfiguration config) {
        this.config = config;
        this.listeners = new Listeners(config.name());
        this.availability = new OutageTracker(config.clock());
        this.ticks = Ticks.of(config.scheduler());
        this.watchesLeaks = config.leakDetectionThreshold().isPresent() || config.leakReclaimAfter().isPresent();
        this.silenceClock = config.silenceTimeout().isPresent() ? config.clock() : null;
    }

    /** reactor-pool's engine, built from parts that need this context first: set once, right after it is built. */
    void engineBuilt(InstrumentedPool<Slot> built) {
        this.engine = built;
    }

    /** The multiplexed lane, when the pool has one: set once, right after it is built. */
    void laneBuilt(MultiplexedLane built) {
        this.lane = built;
    }

    /** The multiplexed lane, when the pool multiplexes. */
    java.util.Optional<MultiplexedLane> lane() {
        return java.util.Optional.ofNullable(lane);
    }

    InstrumentedPool<Slot> engine() {
        return Objects.requireNonNull(engine, "engine not built yet");
    }

    PoolConfiguration configuration() {
        return config;
    }

    String name() {
        return config.name();
    }

    /** The lifecycle state; {@link PoolLifecycle} moves it, every part may read it. */
    AtomicReference<PoolState> state() {
        return state;
    }

    boolean isClosing() {
        PoolState s = state.get();
        return s == PoolState.CLOSING || s == PoolState.CLOSED;
    }

    long nowMillis() {
        return config.clock().millis();
    }

    /** Whether a borrowing's start must be timed now: for leak detection, or for a listener's durations. */
    boolean timesBorrowings() {
        return watchesLeaks || !listeners.isEmpty();
    }

    /** The clock a borrowing's exchanges are timed with for its silenceTimeout; null when it has none. */
    @Nullable Clock silenceClock() {
        return silenceClock;
    }

    /** The time since {@code startedNanos} ({@link System#nanoTime()}), zero when it was not taken. */
    static Duration since(long startedNanos) {
        return startedNanos == NOT_TIMED ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** The time since {@code startedTicks}, taken from {@link #ticks}, zero when it was not taken. */
    Duration sinceTicks(long startedTicks) {
        return startedTicks == NOT_TIMED ? Duration.ZERO : Duration.ofNanos(ticks.nanoTime() - startedTicks);
    }

    /** The pool's figures now. */
    PoolStats stats() {
        InstrumentedPool.PoolMetrics m = engine().metrics();
        MultiplexedLane shared = lane;
        return new PoolStats(config.name(), config.maxSize(), m.allocatedSize(), m.acquiredSize(), m.idleSize(),
                m.pendingAcquireSize(), config.maxPendingAcquires(), counters.acquires.sum(), counters.creates.sum(),
                counters.createFailures.sum(), counters.destroys.sum(), counters.timeouts.sum(),
                counters.validationFailures.sum(), counters.discards.sum(), counters.leaks.sum(),
                shared == null ? LaneStats.NONE : shared.stats());
    }
}
