package io.tidepool.health;

import io.r2dbc.spi.Connection;
import io.tidepool.PoolState;
import io.tidepool.stats.PoolStats;
import io.tidepool.TidepoolPool;
import io.tidepool.health.PoolHealth.LastError;
import io.tidepool.health.PoolHealth.Probe;
import io.tidepool.health.PoolHealth.Reason;
import io.tidepool.health.PoolHealth.ServerHeadroom;
import io.tidepool.health.internal.HealthEvents;
import io.tidepool.health.internal.RecentWindow;
import io.tidepool.health.internal.Redact;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The health check of one pool: a probe round trip through the pool under its own short timeout, the pool's
 * saturation now and over a recent window, and the server's headroom. See {@link HealthStatus} and
 * {@link PoolHealth.Reason} for what each verdict means.
 *
 * <p>Creating a check adds a {@link io.tidepool.PoolListener} to the pool that remembers acquire waits, acquire
 * timeouts and the last error for {@link HealthThresholds#window()}; {@link #close()} removes it. Create the check
 * when the pool is created, so that the window covers the pool's whole life.
 *
 * <h2>Saturated or down</h2>
 * A probe that times out while every connection of the pool is borrowed is {@link Reason#SATURATED}
 * ({@link HealthStatus#DEGRADED}): the database answers, the pool is full. It is {@link Reason#PROBE_TIMED_OUT}
 * ({@link HealthStatus#DOWN}) when the pool had room (so opening a connection or the round trip hung), or when a
 * connection or authentication error was seen within the window. The probe never waits longer than
 * {@link HealthThresholds#probeTimeout()} nor half the pool's {@code acquireTimeout}, so a saturated pool cannot
 * make it hang, and a probe that gives up is not counted as one of the pool's acquire timeouts.
 *
 * <h2>Threads</h2>
 * {@link #check()} never blocks; its timeout runs on the configured {@link Scheduler} (by default the pool's).
 */
public final class PoolHealthCheck implements AutoCloseable {

    /** Fewer acquires than this within the window are too few to judge their 99th percentile by. */
    static final int MIN_ACQUIRES_FOR_P99 = 10;

    static final String HEADROOM_QUERY = "SELECT (SELECT count(*) FROM pg_stat_activity"
            + " WHERE backend_type = 'client backend')::int4, current_setting('max_connections')::int4";
    static final String PING_QUERY = "SELECT 1";

    private final TidepoolPool pool;
    private final HealthThresholds thresholds;
    private final Clock clock;
    private final Scheduler scheduler;
    private final HealthEvents events;
    private final Disposable listening;
    private final io.tidepool.replica.@Nullable ReplicaSet replicaSet;
    // the server's connections as the latest answered probe read them, for the meters
    private volatile @Nullable ServerHeadroom lastServer;

    private PoolHealthCheck(Builder b) {
        this.pool = b.pool;
        this.thresholds = b.thresholds;
        this.clock = b.clock == null ? pool.configuration().clock() : b.clock;
        this.scheduler = b.scheduler == null ? pool.configuration().scheduler() : b.scheduler;
        this.events = new HealthEvents(thresholds.window(), clock, pool.configuration().errorClassifier());
        this.listening = pool.addListener(events);
        this.replicaSet = b.replicaSet;
    }

    /** A check of {@code pool} with the default thresholds, the pool's clock and its scheduler. */
    public static PoolHealthCheck of(TidepoolPool pool) {
        return builder(pool).build();
    }

    /** A builder for a check of {@code pool}. */
    public static Builder builder(TidepoolPool pool) {
        return new Builder(pool);
    }

    /** The pool's name. */
    public String name() {
        return pool.name();
    }

    /** The pool this check probes. */
    public TidepoolPool pool() {
        return pool;
    }

    /** The thresholds this check applies. */
    public HealthThresholds thresholds() {
        return thresholds;
    }

    /** The probe timeout in force: the smaller of {@link HealthThresholds#probeTimeout()} and half the pool's acquire timeout. */
    public Duration probeTimeout() {
        Duration half = pool.configuration().acquireTimeout().dividedBy(2);
        return half.compareTo(thresholds.probeTimeout()) < 0 ? half : thresholds.probeTimeout();
    }

    /**
     * Probes the pool and judges its health. Never fails and never takes much longer than {@link #probeTimeout()}:
     * a failed probe is reported in the answer. Each subscription probes again.
     */
    public Mono<PoolHealth> check() {
        return Mono.defer(() -> {
            PoolState state = pool.state();
            if (state == PoolState.CLOSING || state == PoolState.CLOSED) {
                Probe skipped = new Probe(Probe.Outcome.SKIPPED, Duration.ZERO, Optional.empty(), Optional.empty());
                return Mono.just(judge(skipped, null, EnumSet.of(Reason.CLOSED)));
            }
            long started = System.nanoTime();
            Duration timeout = probeTimeout();
            AtomicBoolean gotConnection = new AtomicBoolean();
            return probe(gotConnection)
                    .map(server -> judgeAnswered(Probe.ok(since(started)), server))
                    .timeout(timeout, Mono.fromSupplier(() -> judgeTimedOut(since(started), timeout,
                            gotConnection.get())), scheduler)
                    .onErrorResume(e -> Mono.just(judgeFailed(since(started), e)));
        });
    }

    /**
     * The server's connections ({@code pg_stat_activity}'s client backends, {@code max_connections}) as the latest
     * probe that read them found them: empty before the first, and when {@link HealthThresholds#serverHeadroom()} is
     * off. Kept through later probes that failed (the last known reading). Reads no server: see
     * {@link io.tidepool.health.micrometer.TidepoolMeterBinder.Builder#serverFrom(PoolHealthCheck)}.
     */
    public Optional<ServerHeadroom> lastServerHeadroom() {
        return Optional.ofNullable(lastServer);
    }

    /** Removes this check's listener from the pool. Idempotent. */
    @Override
    public void close() {
        listening.dispose();
    }

    /**
     * Sets {@code gotConnection} once the pool hands the probe its connection: from then on, only the server can
     * stall it.
     */
    private Mono<Optional<ServerHeadroom>> probe(AtomicBoolean gotConnection) {
        boolean headroom = thresholds.serverHeadroom();
        return pool.withConnection((Connection c) -> {
                    gotConnection.set(true);
                    return Flux.from(c.createStatement(headroom ? HEADROOM_QUERY : PING_QUERY).execute())
                            .flatMap(result -> result.map((row, meta) -> headroom
                                    ? Optional.of(new ServerHeadroom(intOf(row.get(0, Integer.class)),
                                            intOf(row.get(1, Integer.class))))
                                    : Optional.<ServerHeadroom>empty()));
                })
                // read to the end rather than cancel after the first row: the connection goes back clean
                .last(Optional.empty());
    }

    private static int intOf(@Nullable Integer value) {
        return value == null ? 0 : value;
    }

    private PoolHealth judgeAnswered(Probe probe, Optional<ServerHeadroom> server) {
        server.ifPresent(s -> lastServer = s);
        Set<Reason> reasons = EnumSet.noneOf(Reason.class);
        server.filter(s -> s.utilization() >= thresholds.serverUtilizationDegradedAt())
                .ifPresent(s -> reasons.add(Reason.SERVER_NEAR_MAX_CONNECTIONS));
        return judge(probe, server.orElse(null), reasons);
    }

    private PoolHealth judgeTimedOut(Duration took, Duration timeout, boolean gotConnection) {
        PoolStats stats = pool.stats();
        boolean busy = stats.acquired() >= stats.maxSize();
        // a probe that had its connection waited on the server, not on the pool: the pool may look full only
        // because the probe itself still holds the last connection (its return runs on after the timeout)
        Reason reason = !gotConnection && busy && !recentServerTrouble() ? Reason.SATURATED : Reason.PROBE_TIMED_OUT;
        String message = "no answer within the probe timeout of " + timeout.toMillis() + " ms ("
                + stats.describeState() + ")";
        Probe probe = new Probe(Probe.Outcome.TIMED_OUT, took, Optional.of(ErrorKind.TIMEOUT),
                Optional.of(message));
        return judge(probe, null, EnumSet.of(reason));
    }

    private PoolHealth judgeFailed(Duration took, Throwable error) {
        // the pool's own classifier: a service that moved a SQLSTATE sees it moved here too
        ErrorKind category = ErrorKind.of(error, pool.configuration().errorClassifier());
        events.record(error);
        Reason reason = category == ErrorKind.POOL_EXHAUSTED ? Reason.SATURATED : Reason.PROBE_FAILED;
        Probe probe = new Probe(Probe.Outcome.FAILED, took, Optional.of(category), Optional.of(Redact.of(error)));
        return judge(probe, null, EnumSet.of(reason));
    }

    /** True when a connection or authentication error was seen within the window. */
    private boolean recentServerTrouble() {
        return events.serverTroubleWithin(thresholds.window());
    }

    private PoolHealth judge(Probe probe, @Nullable ServerHeadroom server, Set<Reason> reasons) {
        PoolStats stats = pool.stats();
        RecentWindow.Snapshot recent = events.window();
        if (stats.acquired() >= stats.maxSize() && stats.pending() >= thresholds.saturatedPending()) {
            reasons.add(Reason.SATURATED);
        }
        if (recent.timeouts() >= thresholds.timeoutsDegradedAt()) {
            reasons.add(Reason.ACQUIRE_TIMEOUTS);
        }
        // a 99th percentile of a handful of waits is the slowest of them: the first connection of a cold JVM alone
        // would mark the pool DEGRADED for a whole window
        if (recent.acquires() >= MIN_ACQUIRES_FOR_P99
                && recent.p99Wait().compareTo(thresholds.slowAcquireP99()) >= 0) {
            reasons.add(Reason.SLOW_ACQUIRE);
        }
        if (events.leakWithin(thresholds.window())) {
            reasons.add(Reason.LEAKS);
        }
        List<Reason> ordered = new ArrayList<>(reasons);
        PoolHealth.Saturation saturation = new PoolHealth.Saturation(stats.acquired(), stats.idle(),
                stats.maxSize(), stats.pending(), thresholds.window(), recent.acquires(), recent.timeouts(),
                recent.p99Wait());
        Optional<PoolHealth.Replica> replica = replica();
        if (replica.isPresent() && !replica.get().inRotation() && !ordered.contains(Reason.REPLICA_BEHIND)) {
            ordered.add(Reason.REPLICA_BEHIND);
        }
        Optional<LastError> lastError = events.lastError();
        return new PoolHealth(pool.name(), PoolHealth.statusOf(ordered), ordered, pool.state(), probe, saturation,
                Optional.ofNullable(server), stats.leaks(), lastError, clock.instant(), replica,
                pool.configuration().multiplexed() ? Optional.of(stats.lane()) : Optional.empty());
    }

    /** This pool's standby status in the replica set the check was given, if it is one of its standbys. */
    private Optional<PoolHealth.Replica> replica() {
        io.tidepool.replica.ReplicaSet set = replicaSet;
        if (set == null) {
            return Optional.empty();
        }
        return set.status().stream().filter(s -> s.pool().equals(pool.name())).findFirst()
                .map(s -> new PoolHealth.Replica(s.lag(), set.maxLag(), s.inRotation(), s.inRecovery(), s.error()));
    }

    private static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Builds a {@link PoolHealthCheck}; not thread-safe. */
    public static final class Builder {

        private final TidepoolPool pool;
        private HealthThresholds thresholds = HealthThresholds.defaults();
        private @Nullable Clock clock;
        private @Nullable Scheduler scheduler;
        private io.tidepool.replica.@Nullable ReplicaSet replicaSet;

        private Builder(TidepoolPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
        }

        /** The thresholds; default {@link HealthThresholds#defaults()}. */
        public Builder thresholds(HealthThresholds thresholds) {
            this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
            return this;
        }

        /** The clock the window and the timestamps are read from; default the pool's. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The scheduler the probe timeout runs on; default the pool's. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * The replica set this pool is a standby of: the health then shows the standby's lag and rotation
         * ({@link PoolHealth#replica()}), and a standby out of rotation is {@link Reason#REPLICA_BEHIND}
         * ({@link HealthStatus#DEGRADED}). The lag is the set's last check (every {@code lagCheckInterval}), not
         * read again by the probe.
         */
        public Builder replicaOf(io.tidepool.replica.ReplicaSet replicaSet) {
            this.replicaSet = Objects.requireNonNull(replicaSet, "replicaSet");
            return this;
        }

        /** Builds the check and adds its listener to the pool. */
        public PoolHealthCheck build() {
            return new PoolHealthCheck(this);
        }
    }
}
