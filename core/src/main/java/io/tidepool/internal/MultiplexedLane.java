package io.tidepool.internal;

import io.tidepool.PoolConfiguration;
import io.tidepool.error.ConnectionSilentException;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.error.PoolClosedException;
import io.tidepool.error.PoolPendingLimitException;
import io.tidepool.pg.PgLane;
import io.tidepool.pg.PgSession;
import io.tidepool.stats.LaneStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pool's multiplexed lane: {@code multiplexConnections} server connections that pg-client's {@link PgLane}
 * shares among the borrowers' auto-commit statements. It opens them (through the {@link ConnectionSource}, so the
 * user's setup and the counters apply), replaces one the moment it is lost, retires them all on
 * {@code evictAll()}, and closes them with the pool.
 */
final class MultiplexedLane {

    private static final Logger log = LoggerFactory.getLogger(MultiplexedLane.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);
    private static final Duration QUIET_POLL = Duration.ofMillis(10);
    /** How long no connection must have been held up before the lane gives back what it grew by, under load. */
    private static final Duration SHRINK_AFTER = Duration.ofSeconds(5);

    private final PoolContext ctx;
    private final PoolConfiguration config;
    private final ConnectionSource source;
    private final PgLane lane;
    // every shared connection open now, with the time (the pool's clock) past which it is retired: maxLifetime
    private final java.util.Map<PgSession, Long> open = new ConcurrentHashMap<>();
    // connections open or being opened: reserved one by one, so that fills racing each other never open too many
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger failuresInARow = new AtomicInteger();
    // one added connection at a time: the cue comes with every statement while connections are held up
    private final java.util.concurrent.atomic.AtomicBoolean growing = new java.util.concurrent.atomic.AtomicBoolean();
    // when a statement last found a connection held up: what grow() added goes once that is long enough ago
    private volatile long lastHeldUpMillis;
    final AtomicInteger pinned = new AtomicInteger();
    final LongAdder pins = new LongAdder();
    private volatile boolean closed;

    MultiplexedLane(PoolContext ctx, ConnectionSource source) {
        this.ctx = ctx;
        this.config = ctx.config;
        this.source = source;
        this.lane = PgLane.builder()
                .depth(config.multiplexDepth())
                .maxWaiting(config.maxPendingAcquires())
                .whenSaturated(() -> new PoolPendingLimitException(config.name(), ctx.stats()))
                .whenClosed(() -> new PoolClosedException(config.name(), ctx.stats()))
                .whenLost(this::lost)
                .whenShortHanded(this::grow)
                .build();
    }

    /** A caller's way onto the lane: its statements in flight stay together, in order. */
    PgLane.Route route() {
        return lane.route();
    }

    /** Whether a shared connection is open now. */
    boolean hasConnections() {
        return lane.size() > 0;
    }

    /** A shared connection's metadata (for {@code getMetadata()}), or empty when none is open. */
    java.util.Optional<PgSession> anyConnection() {
        return open.keySet().stream().findFirst();
    }

    /** Opens the missing shared connections; completes when each of them opened or failed (failing with the first). */
    Mono<Void> fill() {
        return Mono.defer(() -> {
            List<Mono<Void>> opens = new ArrayList<>();
            int now;
            while (!closed && (now = held.get()) < config.multiplexConnections()) {
                if (held.compareAndSet(now, now + 1)) {
                    opens.add(openOne());
                }
            }
            // one failure must not cancel the others' opens (a cancelled open would keep its slot for good)
            return Flux.mergeDelayError(Math.max(1, opens.size()), opens.toArray(new Mono<?>[0])).then();
        });
    }

    /**
     * Slow statements hold some connections up: one more connection, up to {@code multiplexMaxConnections}, opened in
     * the background; {@link #trim()} closes it once the lane is quiet again.
     */
    private void grow() {
        lastHeldUpMillis = ctx.nowMillis();
        if (closed || !growing.compareAndSet(false, true)) {
            return;
        }
        int now = held.get();
        if (now >= config.multiplexMaxConnections() || !held.compareAndSet(now, now + 1)) {
            growing.set(false);
            return;
        }
        openOne().doFinally(s -> growing.set(false)).subscribe(null, e -> { });
    }

    /**
     * Fails the statements that waited in the lane longer than {@code acquireTimeout}, as an acquire times out: a
     * statement never hangs for want of room on the lane.
     */
    void expireWaiting() {
        int expired = lane.failWaitingLongerThan(config.acquireTimeout(), () -> {
            ctx.counters.timeouts.increment();
            return new PoolAcquireTimeoutException(config.name(), config.acquireTimeout(), ctx.stats());
        });
        if (expired > 0) {
            log.debug("pool '{}': {} statements waited longer than acquireTimeout for room on the lane", config.name(),
                    expired);
        }
    }

    /**
     * Retires one connection added by {@link #grow()} while the lane holds more than {@code multiplexConnections}:
     * an idle one at once, else any once no connection has been held up for {@link #SHRINK_AFTER} (it leaves the lane
     * and closes when its statements are answered). On every beat of the lane, so a grown lane shrinks one connection
     * a second.
     */
    void trim() {
        if (closed) {
            return;
        }
        retireOneTooOld();
        if (held.get() <= config.multiplexConnections()) {
            return;
        }
        List<PgSession> connections = lane.connections();
        int[] inFlight = lane.inFlight();
        boolean calm = ctx.nowMillis() - lastHeldUpMillis > SHRINK_AFTER.toMillis();
        int chosen = -1;
        for (int i = 0; i < Math.min(connections.size(), inFlight.length); i++) {
            if (inFlight[i] == 0 || (calm && (chosen < 0 || inFlight[i] < inFlight[chosen]))) {
                chosen = i;
                if (inFlight[i] == 0) {
                    break;
                }
            }
        }
        if (chosen >= 0) {
            PgSession connection = connections.get(chosen);
            if (lane.remove(connection)) {
                if (open.remove(connection) != null) {
                    held.decrementAndGet();
                }
                closeWhenQuiet(connection).subscribe();
            }
        }
    }

    /** The time past which a connection opened now is retired: maxLifetime, less up to a tenth (as the pool's). */
    private long retireAtMillis() {
        return config.maxLifetime().map(java.time.Duration::toMillis)
                .map(max -> ctx.nowMillis() + max - java.util.concurrent.ThreadLocalRandom.current().nextLong(max / 10 + 1))
                .orElse(Long.MAX_VALUE);
    }

    /**
     * Retires one shared connection past its lifetime, if any: it leaves the lane at once, a new one takes its place,
     * and it is closed once its statements in flight are answered. One a beat, so the lane never loses them all at once.
     */
    private void retireOneTooOld() {
        long now = ctx.nowMillis();
        for (java.util.Map.Entry<PgSession, Long> e : open.entrySet()) {
            PgSession connection = e.getKey();
            if (e.getValue() <= now && lane.remove(connection) && open.remove(connection) != null) {
                held.decrementAndGet();
                log.debug("pool '{}': a multiplexed connection reached maxLifetime; replacing it", config.name());
                fillInBackground();
                closeWhenQuiet(connection).subscribe();
                return;
            }
        }
    }

    /** As {@link #fill()}, in the background: a failure is retried with backoff, and fails the statements waiting. */
    void fillInBackground() {
        fill().subscribe(null, e -> { });
    }

    /** Opens one connection into a slot already reserved in {@link #held}; gives the slot back if it fails. */
    private Mono<Void> openOne() {
        return source.openShared()
                .doOnNext(connection -> {
                    failuresInARow.set(0);
                    if (closed) {
                        held.decrementAndGet();
                        source.closeShared(connection).subscribe();
                        return;
                    }
                    open.put(connection, retireAtMillis());
                    lane.add(connection);
                })
                .doOnError(e -> {
                    held.decrementAndGet();
                    openFailed(e);
                })
                // a start that gave up cancels the open, which then closes what it opened
                .doOnCancel(held::decrementAndGet)
                .then();
    }

    private void openFailed(Throwable error) {
        if (closed) {
            return;
        }
        if (open.isEmpty()) {
            // nothing can serve the waiting statements soon: they fail now, as an acquire would
            lane.failWaiting(() -> error);
        }
        int failures = failuresInARow.incrementAndGet();
        long backoff = Math.min(MAX_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(failures - 1, 10));
        log.warn("pool '{}': opening a multiplexed connection failed ({} in a row), retrying in {} ms: {}",
                config.name(), failures, backoff, error.toString());
        config.scheduler().schedule(this::fillInBackground, backoff, TimeUnit.MILLISECONDS);
    }

    /** A shared connection was lost: its statements in flight failed with a connection error; a new one replaces it. */
    private void lost(PgSession connection) {
        if (open.remove(connection) != null) {
            held.decrementAndGet();
            ctx.counters.destroys.increment();
            ctx.counters.discards.increment();
            ctx.listeners.fire(l -> l.connectionClosed(config.name()));
            log.info("pool '{}': a multiplexed connection was lost; opening a new one", config.name());
        }
        if (!closed) {
            fillInBackground();
        }
    }

    /** Closes the shared connections whose statements have waited longer than {@code timeout} in silence. */
    void closeSilent(Duration timeout) {
        int closed = lane.closeSilent(timeout, () -> new ConnectionSilentException(config.name(), config.target(),
                timeout, ctx.stats()));
        if (closed > 0) {
            log.warn("pool '{}': {} sent nothing for over {} ms while statements waited on {} multiplexed "
                    + "connection(s) (silenceTimeout); closed them", config.name(), config.target(),
                    timeout.toMillis(), closed);
        }
    }

    /**
     * {@code evictAll()}: every shared connection leaves the lane at once (new statements go to fresh ones), and is
     * closed once its statements in flight are answered.
     */
    Mono<Void> retireAll() {
        List<PgSession> retiring = new ArrayList<>(open.keySet());
        for (PgSession connection : retiring) {
            lane.remove(connection);
            if (open.remove(connection) != null) {
                held.decrementAndGet();
            }
        }
        fillInBackground();
        return Flux.fromIterable(retiring).flatMap(this::closeWhenQuiet).then();
    }

    private Mono<Void> closeWhenQuiet(PgSession connection) {
        Mono<Void> quiet = connection.isQuiescent() ? Mono.empty()
                : Flux.interval(QUIET_POLL, config.scheduler()).filter(t -> connection.isQuiescent()).next().then()
                        .timeout(config.closeTimeout(), config.scheduler()).onErrorResume(e -> Mono.empty());
        return quiet.then(Mono.defer(() -> source.closeShared(connection)));
    }

    /** The pool closes: no new statement is taken, those in flight are answered (within closeTimeout), then all close. */
    Mono<Void> close() {
        return Mono.defer(() -> {
            closed = true;
            lane.close();
            List<PgSession> all = new ArrayList<>(open.keySet());
            open.clear();
            return Flux.fromIterable(all).flatMap(this::closeWhenQuiet).then();
        });
    }

    LaneStats stats() {
        int[] inFlight = lane.inFlight();
        List<Integer> perConnection = new ArrayList<>(inFlight.length);
        for (int n : inFlight) {
            perConnection.add(n);
        }
        return new LaneStats(perConnection, lane.waiting(), pinned.get(), pins.sum(), config.multiplexMaxConnections());
    }
}
