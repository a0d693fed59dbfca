package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.tidepool.PoolConfiguration;
import io.tidepool.PoolListener;
import io.tidepool.PoolState;
import io.tidepool.stats.PoolStats;
import io.tidepool.RetryPolicy;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.PoolClosedException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolBuilder;

import java.util.Objects;
import java.util.function.Function;

/**
 * The pool, as a facade over its parts: reactor-pool holds the connections; the {@link ConnectionSource} opens and
 * closes them, {@link Lending} and {@link AcquireOperation} hand them out under one deadline, a {@link Lease} returns
 * each exactly once by the {@link ReturnRule}, {@link Upkeep} looks after the idle ones and {@link PoolLifecycle}
 * starts and closes the pool. Every part shares one {@link PoolContext}; none refers back to this class.
 */
public final class DefaultTidepoolPool implements TidepoolPool {

    private final PoolConfiguration config;
    private final PoolContext ctx;
    private final ConnectionSource source;
    private final Lending lending;
    private final Upkeep upkeep;
    private final PoolLifecycle lifecycle;
    private final @Nullable MultiplexedLane lane;

    public DefaultTidepoolPool(PoolConfiguration config) {
        this.config = config;
        this.ctx = new PoolContext(config);
        this.source = new ConnectionSource(ctx);
        Validation validation = new Validation(ctx);
        Waiters waiters = new Waiters(config.scheduler(), ctx.ticks);
        GatedAllocation allocation = new GatedAllocation(config.maxSize(), ctx.availability);
        this.upkeep = new Upkeep(ctx, source, allocation, validation);
        this.lending = new Lending(ctx, source, validation, waiters);
        InstrumentedPool<Slot> engine = PoolBuilder.from(Mono.defer(source::open))
                .allocationStrategy(allocation)
                .maxPendingAcquire(config.maxPendingAcquires())
                // the most recently used connection is the one least likely to need validation
                .idleResourceReuseMruOrder()
                .evictionPredicate(upkeep::isEvictable)
                .evictInBackground(config.evictionInterval(), config.scheduler())
                // a retired, evicted or broken connection is replaced now, not on the next upkeep beat
                .destroyHandler(slot -> source.close(slot).doFinally(s -> upkeep.refillMinIdle()))
                .clock(config.clock())
                .buildPool();
        ctx.engineBuilt(engine);
        this.lane = config.multiplexed() ? new MultiplexedLane(ctx, source) : null;
        if (lane != null) {
            ctx.laneBuilt(lane);
        }
        this.lifecycle = new PoolLifecycle(ctx, source, upkeep, waiters, allocation);
        lifecycle.runsUntilClosed(upkeep.scheduleKeepalive());
        if (lane != null) {
            // what a burst of slow statements added to the lane goes away one connection a second
            lifecycle.runsUntilClosed(config.scheduler().schedulePeriodically(lane::trim, 1, 1,
                    java.util.concurrent.TimeUnit.SECONDS));
            // a statement waiting for room fails within a quarter more than acquireTimeout, as an acquire would
            long sweep = Math.max(10, config.acquireTimeout().toMillis() / 4);
            lifecycle.runsUntilClosed(config.scheduler().schedulePeriodically(lane::expireWaiting, sweep, sweep,
                    java.util.concurrent.TimeUnit.MILLISECONDS));
        }
        lifecycle.runsUntilClosed(config.silenceTimeout()
                .map(timeout -> new SilenceWatch(ctx, source, timeout).schedule()).orElse(null));
        FailoverWatch.install(ctx, upkeep);
    }

    // ---- the pipeline ----

    @Override
    public <T> Flux<T> withConnection(Function<? super Connection, ? extends Publisher<T>> work) {
        if (lane != null) {
            return Flux.usingWhen(borrowVirtual(),
                    connection -> work.apply(connection),
                    connection -> connection.release(SignalType.ON_COMPLETE, null),
                    (connection, error) -> connection.release(SignalType.ON_ERROR, error),
                    connection -> connection.release(SignalType.CANCEL, null));
        }
        return withLease(work);
    }

    /** The work on a connection of its own, whether the pool multiplexes or not. */
    private <T> Flux<T> withLease(Function<? super Connection, ? extends Publisher<T>> work) {
        return Flux.usingWhen(acquireLease(origin()),
                lease -> work.apply(lease.handle()),
                lease -> lease.release(SignalType.ON_COMPLETE, null),
                (lease, error) -> lease.release(SignalType.ON_ERROR, error),
                lease -> lease.release(SignalType.CANCEL, null));
    }

    @Override
    public <T> Flux<T> withConnection(RetryPolicy retry, Function<? super Connection, ? extends Publisher<T>> work) {
        return Retrying.run(retry, () -> withConnection(work), config.errorClassifier(), ErrorCategory::retryable,
                config.scheduler());
    }

    @Override
    public <T> Flux<T> inTransaction(Function<? super Connection, ? extends Publisher<T>> work) {
        // rollback on error or cancel is the release's reset: the connection is returned with no transaction open
        // one list comes from upstream: a prefetch of 1 queues it in a one-slot queue, not the default 256-slot one
        // a transaction would pin a multiplexed borrower at once: it takes a connection of its own from the start
        Flux<T> attempt = withLease(connection -> new Transaction<T>(connection, work))
                .flatMapIterable(results -> results, 1);
        // only a lost conflict is surely rolled back; after a broken connection the commit may have happened
        return Retrying.run(config.transactionRetry(), () -> attempt, config.errorClassifier(),
                category -> category == ErrorCategory.TRANSACTION_CONFLICT, config.scheduler());
    }

    @Override
    public Mono<Connection> create() {
        if (lane != null) {
            return borrowVirtual().cast(Connection.class);
        }
        // a connection delivered just as the caller gives up (a timeout downstream) is returned by the acquire
        return acquireLease(origin()).map(Lease::handle);
    }

    /** A multiplexed borrowing: nothing to wait for; it pins a connection of its own only when it must. */
    private Mono<VirtualConnection> borrowVirtual() {
        MultiplexedLane shared = Objects.requireNonNull(lane);
        return Mono.defer(() -> {
            PoolState state = ctx.state().get();
            if (state == PoolState.NEW) {
                lifecycle.startedByUse();
            } else if (ctx.isClosing()) {
                return Mono.error(new PoolClosedException(config.name(), ctx.stats()));
            }
            Throwable origin = origin();
            return Mono.just(new VirtualConnection(shared, () -> acquireLease(origin), config.name(), ctx::stats));
        });
    }

    /**
     * Where the caller built its pipeline, for leak reports: captured when it calls {@code withConnection} or
     * {@code create} (the acquire itself completes on another thread), and only when leak detection is on.
     */
    private @Nullable Throwable origin() {
        if (config.leakDetectionThreshold().isEmpty()) {
            return null;
        }
        return new Throwable("connection of pool '" + config.name() + "' acquired here (thread "
                + Thread.currentThread().getName() + ")");
    }

    private Mono<Lease> acquireLease(@Nullable Throwable origin) {
        if (ctx.state().get() == PoolState.NEW) {
            lifecycle.startedByUse();
        }
        return new AcquireOperation.Acquire(lending, origin);
    }

    // ---- lifecycle ----

    @Override
    public Mono<Void> start() {
        return lifecycle.start();
    }

    @Override
    public Mono<Void> close() {
        return lifecycle.close();
    }

    @Override
    public Mono<Void> evictAll() {
        return upkeep.evictAll();
    }

    // ---- views ----

    @Override
    public Disposable addListener(PoolListener listener) {
        Objects.requireNonNull(listener, "listener");
        return ctx.listeners.add(listener);
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public PoolConfiguration configuration() {
        return config;
    }

    @Override
    public PoolState state() {
        return ctx.state().get();
    }

    @Override
    public PoolStats stats() {
        return ctx.stats();
    }

    /** The driver's metadata, so frameworks that pick a dialect by it (Spring Data R2DBC) see PostgreSQL. */
    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return source.metadata();
    }

    @Override
    public String toString() {
        return "TidepoolPool{name=" + config.name() + ", target=" + config.target() + ", state=" + state() + ", "
                + stats().describeState() + "}";
    }
}
