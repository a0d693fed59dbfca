package io.tidepool.replica;

import io.r2dbc.spi.Connection;
import io.tidepool.TidepoolPool;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One facade over a primary pool and standby pools (see docs/adr/0009-read-replicas.md): {@link #withReadOnly} sends
 * work that only reads to a standby in rotation, {@link #withConnection} and {@link #inTransaction} send the rest to
 * the primary. Each standby's replay lag is checked every {@code lagCheckInterval} through its own pool; a standby
 * more than {@code maxLag} behind, or whose check fails, is taken out of rotation, and put back once a check finds it
 * within {@code maxLag} again. With no standby in rotation, read-only work goes to the primary
 * ({@link Builder#fallbackToPrimary(boolean)}) or fails with {@link NoReplicaAvailableException}.
 *
 * <pre>{@code
 * ReplicaSet db = ReplicaSet.builder()
 *         .primary(TidepoolPool.builder().url("r2dbc:postgresql://app@db-primary/orders").name("orders").buildPool())
 *         .standby(TidepoolPool.builder().url("r2dbc:postgresql://app@db-replica-1/orders").name("orders-r1").buildPool())
 *         .maxLag(Duration.ofSeconds(5))
 *         .build();
 * db.start().block();
 * Flux<Row> report = db.withReadOnly(c -> ...);      // a standby at most 5 s behind, or the primary
 * Mono<Void> write = db.inTransaction(c -> ...).then(); // the primary
 * }</pre>
 *
 * <p>The set owns its pools: {@link #close()} closes them. Work given to {@link #withReadOnly} must only read: on a
 * standby a write fails with SQLSTATE 25006; on the primary (the fallback) it would succeed. What "recent enough" means
 * is the caller's: a read that must see its own write goes to {@link #withConnection}.
 */
public final class ReplicaSet {

    /**
     * Lag from the standby's own view: zero when it has replayed everything it received (an idle primary sends
     * nothing, and the last replay timestamp then grows old without any lag), else the age of the last replayed
     * transaction.
     */
    static final String LAG_QUERY = "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() "
            + "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            + "ELSE COALESCE((EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::int8, 0) "
            + "END";

    private static final Logger log = LoggerFactory.getLogger(ReplicaSet.class);

    private final TidepoolPool primary;
    private final List<TidepoolPool> standbys;
    private final Duration maxLag;
    private final Duration lagCheckInterval;
    private final Duration lagCheckTimeout;
    private final boolean fallbackToPrimary;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Map<String, ReplicaStatus> status = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private volatile @Nullable Disposable checks;

    private ReplicaSet(Builder b) {
        this.primary = b.primary;
        this.standbys = List.copyOf(b.standbys);
        this.maxLag = b.maxLag;
        this.lagCheckInterval = b.lagCheckInterval;
        this.lagCheckTimeout = b.lagCheckTimeout;
        this.fallbackToPrimary = b.fallbackToPrimary;
        this.scheduler = b.scheduler;
        this.clock = b.clock;
        for (TidepoolPool standby : standbys) {
            // out of rotation until a check has found it close enough behind
            status.put(standby.name(), new ReplicaStatus(standby.name(), Optional.empty(), false, true,
                    Optional.empty(), Optional.empty()));
        }
    }

    /** A builder: a primary and at least one standby are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts every pool and the lag checks; completes once the pools started and a first check ran on each standby. */
    public Mono<Void> start() {
        return Flux.concat(Mono.just(primary), Flux.fromIterable(standbys))
                .flatMap(TidepoolPool::start)
                .then(checkAll())
                .doOnSuccess(v -> scheduleChecks());
    }

    private void scheduleChecks() {
        if (checks == null) {
            long period = lagCheckInterval.toMillis();
            checks = scheduler.schedulePeriodically(() -> checkAll().subscribe(), period, period,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Checks every standby's lag now and updates its rotation; never fails. */
    public Mono<Void> checkAll() {
        return Flux.fromIterable(standbys).flatMap(this::check).then();
    }

    private Mono<Void> check(TidepoolPool standby) {
        return standby.withConnection(c -> Flux.from(c.createStatement(LAG_QUERY).execute())
                        .flatMap(r -> r.map((row, meta) -> new long[] {
                                Boolean.TRUE.equals(row.get(0, Boolean.class)) ? 1 : 0,
                                numberOf(row.get(1))})))
                .next()
                .timeout(lagCheckTimeout, scheduler)
                .doOnNext(found -> update(standby, Duration.ofMillis(found[1]), found[0] == 1))
                .onErrorResume(e -> {
                    failed(standby, e);
                    return Mono.empty();
                })
                .then();
    }

    private static long numberOf(@Nullable Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    private void update(TidepoolPool standby, Duration lag, boolean inRecovery) {
        boolean within = lag.compareTo(maxLag) <= 0;
        ReplicaStatus before = status.get(standby.name());
        status.put(standby.name(), new ReplicaStatus(standby.name(), Optional.of(lag), within, inRecovery,
                Optional.empty(), Optional.of(clock.instant())));
        if (before != null && before.inRotation() != within) {
            if (within) {
                log.info("replica '{}' is back in rotation: {} ms behind (maxLag {} ms)", standby.name(),
                        lag.toMillis(), maxLag.toMillis());
            } else {
                log.warn("replica '{}' is out of rotation: {} ms behind, more than maxLag {} ms", standby.name(),
                        lag.toMillis(), maxLag.toMillis());
            }
        }
    }

    private void failed(TidepoolPool standby, Throwable error) {
        ReplicaStatus before = status.get(standby.name());
        String message = standby.configuration().errorClassifier().describe(error);
        status.put(standby.name(), new ReplicaStatus(standby.name(), Optional.empty(), false,
                before == null || before.inRecovery(), Optional.of(message), Optional.of(clock.instant())));
        if (before != null && before.inRotation()) {
            log.warn("replica '{}' is out of rotation: its lag check failed: {}", standby.name(), message);
        }
    }

    /** Runs read-only {@code work} on a standby in rotation (in turn), or on the primary when none is. */
    public <T> Flux<T> withReadOnly(Function<? super Connection, ? extends Publisher<T>> work) {
        return Flux.defer(() -> readPool().withConnection(work));
    }

    /** The pool read-only work would go to now. */
    public TidepoolPool readPool() {
        List<TidepoolPool> rotation = new ArrayList<>(standbys.size());
        for (TidepoolPool standby : standbys) {
            ReplicaStatus s = status.get(standby.name());
            if (s != null && s.inRotation()) {
                rotation.add(standby);
            }
        }
        if (!rotation.isEmpty()) {
            return rotation.get(Math.floorMod(next.getAndIncrement(), rotation.size()));
        }
        if (fallbackToPrimary) {
            return primary;
        }
        throw new NoReplicaAvailableException(standbys.size(), maxLag);
    }

    /** Runs {@code work} on the primary, as {@link TidepoolPool#withConnection}. */
    public <T> Flux<T> withConnection(Function<? super Connection, ? extends Publisher<T>> work) {
        return primary.withConnection(work);
    }

    /** Runs {@code work} in a transaction on the primary, as {@link TidepoolPool#inTransaction}. */
    public <T> Flux<T> inTransaction(Function<? super Connection, ? extends Publisher<T>> work) {
        return primary.inTransaction(work);
    }

    /** The primary pool. */
    public TidepoolPool primary() {
        return primary;
    }

    /** The standby pools, in the order given. */
    public List<TidepoolPool> standbys() {
        return standbys;
    }

    /** The last lag check's findings, one per standby, in the order given. */
    public List<ReplicaStatus> status() {
        List<ReplicaStatus> out = new ArrayList<>(standbys.size());
        for (TidepoolPool standby : standbys) {
            out.add(status.get(standby.name()));
        }
        return out;
    }

    /** The most a standby may be behind and stay in rotation. */
    public Duration maxLag() {
        return maxLag;
    }

    /** Stops the lag checks and closes every pool. */
    public Mono<Void> close() {
        return Mono.defer(() -> {
            Disposable task = checks;
            if (task != null) {
                task.dispose();
            }
            return Flux.concat(Flux.fromIterable(standbys), Mono.just(primary)).flatMap(TidepoolPool::close).then();
        });
    }

    @Override
    public String toString() {
        return "ReplicaSet{primary=" + primary.name() + ", standbys=" + status() + ", maxLag=" + maxLag + "}";
    }

    /** Builds a {@link ReplicaSet}; every setter checks its value at once. */
    public static final class Builder {

        private @Nullable TidepoolPool primary;
        private final List<TidepoolPool> standbys = new ArrayList<>();
        private Duration maxLag = Duration.ofSeconds(10);
        private Duration lagCheckInterval = Duration.ofSeconds(1);
        private Duration lagCheckTimeout = Duration.ofSeconds(2);
        private boolean fallbackToPrimary = true;
        private Scheduler scheduler = Schedulers.parallel();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The pool of the primary: writes, transactions, and reads when no standby is in rotation. */
        public Builder primary(TidepoolPool primary) {
            this.primary = notNull("primary", primary);
            return this;
        }

        /** A standby's pool (its URL may name the standby, or several with {@code targetServerType=standby}). */
        public Builder standby(TidepoolPool standby) {
            notNull("standby", standby);
            for (TidepoolPool known : standbys) {
                if (known.name().equals(standby.name())) {
                    throw new IllegalArgumentException("standby names must differ, was '" + standby.name()
                            + "' twice");
                }
            }
            standbys.add(standby);
            return this;
        }

        /** The most a standby may be behind and stay in rotation; positive. Default 10 s. */
        public Builder maxLag(Duration maxLag) {
            this.maxLag = positive("maxLag", maxLag);
            return this;
        }

        /** How often each standby's lag is checked; positive. Default 1 s. */
        public Builder lagCheckInterval(Duration lagCheckInterval) {
            this.lagCheckInterval = positive("lagCheckInterval", lagCheckInterval);
            return this;
        }

        /** The most a lag check may take before the standby counts as failing; positive. Default 2 s. */
        public Builder lagCheckTimeout(Duration lagCheckTimeout) {
            this.lagCheckTimeout = positive("lagCheckTimeout", lagCheckTimeout);
            return this;
        }

        /** Whether read-only work goes to the primary when no standby is in rotation (default) or fails. */
        public Builder fallbackToPrimary(boolean fallbackToPrimary) {
            this.fallbackToPrimary = fallbackToPrimary;
            return this;
        }

        /** The scheduler the lag checks run on. Default {@link Schedulers#parallel()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = notNull("scheduler", scheduler);
            return this;
        }

        /** The clock {@link ReplicaStatus#checkedAt()} is read from. Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = notNull("clock", clock);
            return this;
        }

        /** Checks that a primary and at least one standby were given, and makes the set (not started). */
        public ReplicaSet build() {
            if (primary == null) {
                throw new IllegalArgumentException("primary must be set, was not set");
            }
            if (standbys.isEmpty()) {
                throw new IllegalArgumentException("standby must be given at least once, was not given");
            }
            for (TidepoolPool standby : standbys) {
                if (standby.name().equals(primary.name())) {
                    throw new IllegalArgumentException("standby names must differ from the primary's, was '"
                            + standby.name() + "'");
                }
            }
            return new ReplicaSet(this);
        }

        private static <T> T notNull(String option, @Nullable T value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " must not be null");
            }
            return value;
        }

        private static Duration positive(String option, @Nullable Duration value) {
            notNull(option, value);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(option + " must be positive, was " + value);
            }
            return value;
        }
    }
}
