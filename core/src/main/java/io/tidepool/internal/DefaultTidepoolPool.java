package io.tidepool.internal;

import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.ValidationDepth;
import io.tidepool.PoolConfiguration;
import io.tidepool.PoolState;
import io.tidepool.RetryPolicy;
import io.tidepool.PoolStats;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ConnectionCreateTimeoutException;
import io.tidepool.error.CredentialsUnavailableException;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.PoolClosedException;
import io.tidepool.error.PoolStartException;
import io.tidepool.error.PoolValidationException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolBuilder;
import reactor.pool.PooledRef;
import reactor.pool.PooledRefMetadata;
import reactor.util.retry.Retry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The pool: reactor-pool holds the connections; this class adds the deadline, validation, the tracked handle and
 * reset on release, and the start and close lifecycle.
 */
public final class DefaultTidepoolPool implements TidepoolPool {

    private static final Logger log = LoggerFactory.getLogger(TidepoolPool.class);
    private static final Duration FIRST_START_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_START_BACKOFF = Duration.ofSeconds(5);
    private static final Duration DRAIN_POLL = Duration.ofMillis(10);

    private final PoolConfiguration config;
    private final ConnectionFactory factory;
    private final InstrumentedPool<Slot> engine;
    private final GatedAllocation allocation;
    final PoolCounters counters = new PoolCounters();
    final Listeners listeners;
    final Availability availability;
    // every open connection, updated only when one opens or closes; a borrowed one names its lease
    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
    private final Waiters waiters;
    private final AtomicReference<PoolState> state = new AtomicReference<>(PoolState.NEW);
    private final AtomicReference<Sinks.@Nullable One<Void>> starting = new AtomicReference<>();
    private final AtomicBoolean closeBegun = new AtomicBoolean();
    private final Sinks.One<Void> closed = Sinks.one();
    private final long validateAfterIdleMillis;
    // read on every hand-out of an idle connection (reactor-pool asks evictable()): a long, not an Optional
    private final long maxIdleMillis;
    private final boolean watchesLeaks;
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
    private volatile @Nullable Disposable upkeep;
    private final @Nullable Keepalive keepalive;
    private final @Nullable ConnectionSetup setup;
    private final @Nullable Disposable keepaliveTask;
    private final @Nullable Disposable silenceTask;
    // the clock a borrowing's exchanges are timed with, only when silenceTimeout is set
    private final java.time.@Nullable Clock silenceClock;

    public DefaultTidepoolPool(PoolConfiguration config) {
        this.config = config;
        this.listeners = new Listeners(config.name());
        this.availability = new Availability(config.clock());
        this.factory = config.connectionFactory().orElseGet(() -> openFactory(config, null));
        this.validateAfterIdleMillis = config.validateAfterIdle().map(Duration::toMillis).orElse(Long.MAX_VALUE);
        this.maxIdleMillis = config.maxIdleTime().map(Duration::toMillis).orElse(Long.MAX_VALUE);
        this.watchesLeaks = config.leakDetectionThreshold().isPresent() || config.leakReclaimAfter().isPresent();
        this.waiters = new Waiters(config.scheduler());
        this.setup = ConnectionSetup.of(config);
        this.allocation = new GatedAllocation(config.maxSize(), availability);
        this.engine = PoolBuilder.from(Mono.defer(this::openSlot))
                .allocationStrategy(allocation)
                .maxPendingAcquire(config.maxPendingAcquires())
                // the most recently used connection is the one least likely to need validation
                .idleResourceReuseMruOrder()
                .evictionPredicate(this::evictable)
                .evictInBackground(config.evictionInterval(), config.scheduler())
                .destroyHandler(this::closeSlot)
                .clock(config.clock())
                .buildPool();
        this.keepalive = config.keepaliveTime().map(period -> new Keepalive(this, engine, period)).orElse(null);
        // from construction, not start(): a pool used without start() has idle connections to look after too
        this.keepaliveTask = keepalive == null ? null : keepalive.schedule();
        this.silenceClock = config.silenceTimeout().isPresent() ? config.clock() : null;
        this.silenceTask = config.silenceTimeout().map(t -> new SilenceWatch(this, t).schedule()).orElse(null);
    }

    private static ConnectionFactory openFactory(PoolConfiguration config, @Nullable CharSequence password) {
        ConnectionFactoryOptions options = config.driverOptions().orElseThrow();
        ConnectionFactoryOptions.Builder builder = ConnectionFactoryOptions.builder().from(options);
        if (!options.hasOption(ConnectionFactoryOptions.CONNECT_TIMEOUT)) {
            // a TCP connect must not outlive the create timeout, or a late socket would sit half open
            builder.option(ConnectionFactoryOptions.CONNECT_TIMEOUT, config.createTimeout());
        }
        if (password != null) {
            builder.option(ConnectionFactoryOptions.PASSWORD, password);
        }
        return new PostgresqlConnectionFactoryProvider().create(builder.build());
    }

    /** A new connection: from the fixed factory, or with the password the supplier gives now. */
    private Publisher<? extends Connection> openConnection() {
        return config.passwordSupplier()
                .<Publisher<? extends Connection>>map(passwords -> Mono.from(passwords.get())
                        .switchIfEmpty(Mono.error(() -> new CredentialsUnavailableException(config.name(), stats())))
                        .flatMap(password -> Mono.from(openFactory(config, password).create())))
                .orElseGet(factory::create);
    }

    private Mono<Slot> openSlot() {
        long started = System.nanoTime();
        return CreateWithin.create(openConnection(), config.createTimeout(), config.scheduler(),
                        () -> new ConnectionCreateTimeoutException(config.name(), config.target(),
                                config.createTimeout(), stats()))
                .flatMap(this::setUp)
                .map(connection -> new Slot(connection, lifetimeLimitMillis(), generation.get(), nowMillis()))
                .doOnNext(slot -> {
                    slots.add(slot);
                    availability.connected();
                    counters.creates.increment();
                    listeners.fire(l -> l.connectionCreated(config.name(), since(started)));
                })
                .doOnError(e -> {
                    availability.failedToConnect(e);
                    counters.createFailures.increment();
                    listeners.fire(l -> l.connectionCreateFailed(config.name(), since(started), e));
                    log.debug("pool '{}': opening a connection to {} failed: {}", config.name(), config.target(),
                            e.toString());
                });
    }

    /** Runs the user's connection setup on a new connection; on failure closes it and fails the open. */
    private Mono<Connection> setUp(Connection connection) {
        if (setup == null) {
            return Mono.just(connection);
        }
        return setup.applyTo(connection)
                .timeout(config.createTimeout(), config.scheduler())
                .thenReturn(connection)
                .onErrorResume(e -> Mono.from(connection.close()).onErrorResume(closing -> Mono.empty())
                        .then(Mono.error(e)));
    }

    /** The user's connection setup, to run again after a session reset; null when there is none. */
    @Nullable ConnectionSetup setup() {
        return setup;
    }

    private long lifetimeLimitMillis() {
        return config.maxLifetime().map(Duration::toMillis)
                // up to a tenth less, so connections opened together do not all retire together
                .map(max -> max - ThreadLocalRandom.current().nextLong(max / 10 + 1))
                .orElse(Long.MAX_VALUE);
    }

    private boolean evictable(Slot slot, PooledRefMetadata metadata) {
        if (slot.generation() < generation.get() || metadata.lifeTime() >= slot.lifetimeLimitMillis()) {
            return true;
        }
        // the clock last: on a busy pool the connection being handed out was the last idle one, and no clock is read
        return maxIdleMillis != Long.MAX_VALUE
                && (keepalive == null || !keepalive.isBorrowing())
                && engine.metrics().idleSize() > config.minIdle()
                && slot.unusedForMillis(nowMillis()) >= maxIdleMillis;
    }

    private Publisher<Void> closeSlot(Slot slot) {
        return Mono.from(slot.connection().close())
                .timeout(config.createTimeout(), config.scheduler())
                .onErrorResume(e -> {
                    log.debug("pool '{}': closing a connection failed: {}", config.name(), e.toString());
                    return Mono.empty();
                })
                .doFinally(s -> {
                    slots.remove(slot);
                    counters.destroys.increment();
                    listeners.fire(l -> l.connectionClosed(config.name()));
                    // a retired, evicted or broken connection is replaced now, not on the next upkeep beat
                    refillMinIdle();
                });
    }

    // ---- the pipeline ----

    @Override
    public <T> Flux<T> withConnection(Function<? super Connection, ? extends Publisher<T>> work) {
        return Flux.usingWhen(acquireLease(origin()),
                lease -> work.apply(lease.handle()),
                lease -> lease.release(SignalType.ON_COMPLETE, null),
                (lease, error) -> lease.release(SignalType.ON_ERROR, error),
                lease -> lease.release(SignalType.CANCEL, null));
    }

    @Override
    public <T> Flux<T> withConnection(RetryPolicy retry, Function<? super Connection, ? extends Publisher<T>> work) {
        return retry.run(() -> withConnection(work), config.errorClassifier(), ErrorCategory::retryable,
                config.scheduler());
    }

    @Override
    public <T> Flux<T> inTransaction(Function<? super Connection, ? extends Publisher<T>> work) {
        // rollback on error or cancel is the release's reset: the connection is returned with no transaction open
        // one list comes from upstream: a prefetch of 1 queues it in a one-slot queue, not the default 256-slot one
        Flux<T> attempt = withConnection(connection -> new Transaction<T>(connection, work))
                .flatMapIterable(results -> results, 1);
        // only a lost conflict is surely rolled back; after a broken connection the commit may have happened
        return config.transactionRetry().run(() -> attempt, config.errorClassifier(),
                category -> category == ErrorCategory.TRANSACTION_CONFLICT, config.scheduler());
    }

    @Override
    public Mono<Connection> create() {
        return acquireLease(origin()).map(Lease::handle)
                .doOnDiscard(PooledConnection.class, connection -> Mono.from(connection.close()).subscribe());
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

    Mono<Lease> acquireLease(@Nullable Throwable origin) {
        if (state.get() == PoolState.NEW) {
            startedByUse();
        }
        return new AcquireOperation.Acquire(this, origin);
    }

    /**
     * A pool used before {@code start()} (every pool made from an R2DBC URL) starts itself: RUNNING, with its upkeep
     * scheduled and {@code initialSize} and {@code minIdle} opened in the background, as {@code start()} would, but
     * without holding up the caller or failing it when the database is not there yet.
     */
    private void startedByUse() {
        if (starting.get() == null && state.compareAndSet(PoolState.NEW, PoolState.RUNNING)) {
            log.info("pool '{}' started by its first use: {}", config.name(), config.target());
            scheduleUpkeep();
            // the caller's own acquire opens one of them
            openIdle(Math.max(config.initialSize(), config.minIdle()) - engine.metrics().allocatedSize() - 1);
        }
    }

    /** A {@link System#nanoTime()} not taken: the hot path reads the clock only when someone will use the time. */
    static final long NOT_TIMED = Long.MIN_VALUE;

    static Duration since(long startedNanos) {
        return startedNanos == NOT_TIMED ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Whether a borrowing's start must be timed now: for leak detection, or for a listener's durations. */
    boolean timesBorrowings() {
        return watchesLeaks || !listeners.isEmpty();
    }

    /** Opened before the last {@link #evictAll()}: to be closed, not reused. */
    boolean isRetired(Slot slot) {
        return slot.generation() < generation.get();
    }

    boolean needsValidation(PooledRef<Slot> ref) {
        return validateAfterIdleMillis != Long.MAX_VALUE
                && ref.poolable().uncheckedForMillis(nowMillis()) >= validateAfterIdleMillis;
    }

    long nowMillis() {
        return config.clock().millis();
    }

    /** Answers whether the connection works; never fails, never waits longer than {@code validationTimeout}. */
    Mono<Boolean> validate(Connection connection) {
        Mono<Boolean> check = config.validationQuery()
                .map(query -> Flux.from(connection.createStatement(query).execute())
                        .flatMap(Result::getRowsUpdated).then(Mono.just(true)))
                .orElseGet(() -> Mono.from(connection.validate(config.validationDepth())));
        return check
                .timeout(config.validationTimeout(), config.scheduler())
                .onErrorResume(e -> {
                    log.debug("pool '{}': validation failed: {}", config.name(), e.toString());
                    return Mono.just(false);
                })
                .defaultIfEmpty(false);
    }

    /** Closes a connection that failed its validation or keepalive ping, and counts it. */
    Mono<Void> discardInvalid(PooledRef<Slot> ref) {
        counters.validationFailures.increment();
        listeners.fire(l -> l.validationFailed(config.name()));
        counters.discards.increment();
        return ref.invalidate().onErrorResume(e -> Mono.empty());
    }

    void leaseStarted(Lease lease, Slot slot) {
        counters.acquires.increment();
        slot.borrowedBy(lease);
    }

    /** The clock a borrowing's exchanges are timed with for its silenceTimeout; null when it has none. */
    java.time.@Nullable Clock silenceClock() {
        return silenceClock;
    }

    /** The connections borrowed now, from the open ones: the clean path updates no shared set. */
    List<Lease> borrowed() {
        List<Lease> out = new ArrayList<>();
        for (Slot slot : slots) {
            Lease lease = slot.lease();
            if (lease != null) {
                out.add(lease);
            }
        }
        return out;
    }

    void waiterStarted(AcquireOperation waiter) {
        waiters.add(waiter);
        // a close that began meanwhile must not miss this waiter
        if (isClosing()) {
            waiter.poolClosed();
        }
    }

    void waiterEnded(AcquireOperation waiter) {
        waiters.remove(waiter);
    }

    InstrumentedPool<Slot> engine() {
        return engine;
    }

    boolean isClosing() {
        PoolState s = state.get();
        return s == PoolState.CLOSING || s == PoolState.CLOSED;
    }

    // ---- lifecycle ----

    @Override
    public Mono<Void> start() {
        return Mono.defer(() -> {
            if (state.get() == PoolState.RUNNING) {
                return Mono.empty();
            }
            if (isClosing()) {
                return Mono.error(new PoolClosedException(config.name(), stats()));
            }
            Sinks.One<Void> mine = Sinks.one();
            if (starting.compareAndSet(null, mine)) {
                if (!state.compareAndSet(PoolState.NEW, PoolState.STARTING)) {
                    // its first use started it (or close() came) since the check above
                    starting.set(null);
                    return start();
                }
                runStart(mine);
                return mine.asMono();
            }
            Sinks.One<Void> theirs = starting.get();
            return theirs == null ? start() : theirs.asMono();
        });
    }

    private void runStart(Sinks.One<Void> outcome) {
        int count = Math.max(1, Math.max(config.initialSize(), config.minIdle()));
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<@Nullable Throwable> lastError = new AtomicReference<>();
        // the deadline ends the retrying but never cuts an attempt short: a connection being opened when it
        // fires would otherwise land idle in the pool, and a start that gave up must leave nothing open
        AtomicBoolean over = new AtomicBoolean();
        Disposable deadline = config.scheduler().schedule(() -> {
            if (over.compareAndSet(false, true)) {
                Throwable cause = lastError.get();
                startFailed(outcome, "startTimeout (" + config.startTimeout().toMillis() + " ms) elapsed",
                        attempts.get(), cause != null ? cause : new TimeoutException("no attempt finished"));
            }
        }, config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        Mono.defer(() -> {
                    if (over.get()) {
                        return Mono.<Void>empty();
                    }
                    if (isClosing()) {
                        return Mono.<Void>error(new PoolClosedException(config.name(), stats()));
                    }
                    attempts.incrementAndGet();
                    return warmUp(count, over);
                })
                .doOnError(lastError::set)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_START_BACKOFF)
                        .maxBackoff(MAX_START_BACKOFF)
                        .jitter(0.5)
                        .scheduler(config.scheduler())
                        .filter(e -> !cannotBeMended(e) && !over.get() && !isClosing())
                        .doBeforeRetry(signal -> log.warn("pool '{}': start attempt {} failed, retrying: {}",
                                config.name(), signal.totalRetries() + 1, signal.failure().toString()))
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .subscribe(null, error -> {
                    deadline.dispose();
                    if (over.compareAndSet(false, true)) {
                        startFailed(outcome, isClosing() ? "the pool was closed while it was starting"
                                : "the server refused in a way that retrying cannot mend", attempts.get(), error);
                    }
                }, () -> {
                    deadline.dispose();
                    if (!over.compareAndSet(false, true)) {
                        return;
                    }
                    // one atomic step: a close() between a check and the state change would leave the start
                    // reported a success on a closing pool
                    if (!state.compareAndSet(PoolState.STARTING, PoolState.RUNNING)) {
                        // close() came while the last attempt was under way: no upkeep may outlive the pool
                        startFailed(outcome, "the pool was closed while it was starting", attempts.get(),
                                new PoolClosedException(config.name(), stats()));
                        return;
                    }
                    scheduleUpkeep();
                    log.info("pool '{}' started: {} ({})", config.name(), config.target(), stats().describeState());
                    outcome.tryEmitEmpty();
                });
    }

    private boolean cannotBeMended(Throwable error) {
        ErrorCategory category = config.errorClassifier().classify(error);
        return category == ErrorCategory.PERMISSION || category == ErrorCategory.CONFIGURATION
                || category == ErrorCategory.PROGRAMMING;
    }

    private void startFailed(Sinks.One<Void> outcome, String reason, int attempts, Throwable cause) {
        PoolStartException failure = new PoolStartException(config.name(), reason, attempts, stats(), cause);
        log.error("pool '{}' ({}) could not start: {}", config.name(), config.target(), failure.getMessage());
        state.compareAndSet(PoolState.STARTING, PoolState.NEW);
        starting.set(null);
        outcome.tryEmitError(failure);
    }

    /**
     * Opens and checks {@code count} connections, holding each until all pass; on any failure, or if the start is
     * over by the time they pass, closes them all.
     */
    private Mono<Void> warmUp(int count, AtomicBoolean over) {
        List<PooledRef<Slot>> held = new ArrayList<>(count);
        return Flux.range(0, count)
                .concatMap(i -> engine.acquire().flatMap(ref -> {
                    synchronized (held) {
                        held.add(ref);
                    }
                    return Mono.from(ref.poolable().connection().validate(ValidationDepth.REMOTE))
                            .timeout(config.validationTimeout(), config.scheduler())
                            .flatMap(ok -> ok ? Mono.<Void>empty() : Mono.error(new PoolValidationException(
                                    config.name(), "a new connection failed its first health check", 1, stats())));
                }))
                .then(Mono.defer(() -> over.get() ? discardAll(held)
                        : Flux.fromIterable(snapshot(held)).concatMap(PooledRef::release).then()))
                .onErrorResume(e -> discardAll(held).then(Mono.error(e)))
                .doOnCancel(() -> discardAll(held).subscribe());
    }

    private static List<PooledRef<Slot>> snapshot(List<PooledRef<Slot>> held) {
        synchronized (held) {
            List<PooledRef<Slot>> copy = new ArrayList<>(held);
            held.clear();
            return copy;
        }
    }

    private Mono<Void> discardAll(List<PooledRef<Slot>> held) {
        return Flux.fromIterable(snapshot(held))
                .concatMap(ref -> ref.invalidate().onErrorResume(e -> Mono.empty()))
                .then();
    }

    private void scheduleUpkeep() {
        if (config.minIdle() == 0) {
            return;
        }
        long period = config.evictionInterval().toMillis();
        // background eviction may take the pool below minIdle; refill it on the same beat
        Disposable task = config.scheduler().schedulePeriodically(this::refillMinIdle, period, period,
                TimeUnit.MILLISECONDS);
        upkeep = task;
        if (isClosing()) {
            // close() marks the pool closing before it reads upkeep: either it saw this task, or this sees it closing
            task.dispose();
        }
    }

    /**
     * Opens connections until {@code minIdle} are idle (or being opened), within {@code maxSize}, when the pool is
     * running: minIdle counts idle connections here as in idle eviction, which keeps that many.
     */
    void refillMinIdle() {
        if (state.get() != PoolState.RUNNING || config.minIdle() == 0) {
            return;
        }
        InstrumentedPool.PoolMetrics m = engine.metrics();
        // allocated counts connections being opened too: two refills in a row do not open the same ones twice
        int idleOrOpening = m.allocatedSize() - m.acquiredSize();
        openIdle(config.minIdle() - idleOrOpening);
    }

    /** Opens {@code count} new idle connections (as many as maxSize allows), in the background. */
    private void openIdle(int count) {
        if (count <= 0) {
            return;
        }
        allocation.wantOpened(count);
        engine.warmup().subscribe(null, e -> log.debug("pool '{}': opening idle connections failed: {}",
                config.name(), e.toString()));
    }

    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            if (closeBegun.compareAndSet(false, true)) {
                runClose();
            }
            return closed.asMono();
        });
    }

    private void runClose() {
        state.set(PoolState.CLOSING);
        Disposable task = upkeep;
        if (task != null) {
            task.dispose();
        }
        if (keepaliveTask != null) {
            keepaliveTask.dispose();
        }
        if (silenceTask != null) {
            silenceTask.dispose();
        }
        waiters.snapshot().forEach(AcquireOperation::poolClosed);
        int borrowed = borrowed().size();
        if (borrowed > 0) {
            log.info("pool '{}' closing: waiting up to {} ms for {} borrowed connections", config.name(),
                    config.closeTimeout().toMillis(), borrowed);
        }
        drained(config.closeTimeout())
                .onErrorResume(TimeoutException.class, e -> {
                    List<Lease> late = borrowed();
                    log.warn("pool '{}' closing: {} borrowed connections did not come back within {} ms; "
                            + "closing them under their borrowers", config.name(), late.size(),
                            config.closeTimeout().toMillis());
                    return Flux.fromIterable(late).flatMap(lease -> lease.reclaim("connection of pool '"
                            + config.name() + "' was closed by the pool: it was not returned within closeTimeout ("
                            + config.closeTimeout().toMillis() + " ms) of close()")).then();
                })
                // returns already under way finish within their own reset deadline
                .then(Mono.defer(() -> drained(config.validationTimeout().multipliedBy(2))
                        .onErrorResume(TimeoutException.class, e -> Mono.empty())))
                .then(Mono.defer(engine::disposeLater))
                // reactor-pool starts the last closes without waiting for them; close() promises they are done
                .then(Mono.defer(() -> allClosed(config.createTimeout())))
                .subscribe(null, error -> {
                    state.set(PoolState.CLOSED);
                    log.warn("pool '{}' closed with an error: {}", config.name(), error.toString());
                    closed.tryEmitError(error);
                }, () -> {
                    state.set(PoolState.CLOSED);
                    log.info("pool '{}' closed ({} connections opened, {} closed over its life)", config.name(),
                            counters.creates.sum(), counters.destroys.sum());
                    closed.tryEmitEmpty();
                });
    }

    private Mono<Void> allClosed(Duration within) {
        return until(() -> counters.destroys.sum() >= counters.creates.sum(), within)
                .onErrorResume(TimeoutException.class, e -> {
                    log.warn("pool '{}' closing: {} connections did not finish closing within {} ms", config.name(),
                            counters.creates.sum() - counters.destroys.sum(), within.toMillis());
                    return Mono.empty();
                });
    }

    private Mono<Void> drained(Duration within) {
        return until(() -> borrowed().isEmpty(), within);
    }

    /**
     * Completes once {@code condition} holds, checked every few ms on the scheduler; fails with a
     * {@link TimeoutException} after {@code within}.
     */
    private Mono<Void> until(java.util.function.BooleanSupplier condition, Duration within) {
        if (condition.getAsBoolean()) {
            return Mono.empty();
        }
        return Flux.interval(DRAIN_POLL, config.scheduler())
                .filter(tick -> condition.getAsBoolean())
                .next()
                .then()
                .timeout(within, config.scheduler());
    }

    @Override
    public Mono<Void> evictAll() {
        return Mono.defer(() -> {
            generation.incrementAndGet();
            int idle = engine.metrics().idleSize();
            if (idle == 0) {
                return Mono.empty();
            }
            log.info("pool '{}': evicting every connection ({} idle now; borrowed ones when they come back)",
                    config.name(), idle);
            // borrowed all at once, so each borrow meets retired ones (and closes them) or opens a fresh one: one at a
            // time, with the most recently used handed out first, would open one and get it back every time
            List<PooledRef<Slot>> fresh = new ArrayList<>(idle);
            return Flux.range(0, idle)
                    .flatMap(i -> engine.acquire(config.acquireTimeout()).onErrorResume(e -> Mono.empty()), idle)
                    .doOnNext(ref -> {
                        synchronized (fresh) {
                            fresh.add(ref);
                        }
                    })
                    .then(Mono.defer(() -> Flux.fromIterable(snapshot(fresh)).concatMap(PooledRef::release).then()));
        });
    }

    // ---- views ----

    @Override
    public Disposable addListener(io.tidepool.PoolListener listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        return listeners.add(listener);
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
        return state.get();
    }

    @Override
    public PoolStats stats() {
        InstrumentedPool.PoolMetrics m = engine.metrics();
        return new PoolStats(config.name(), config.maxSize(), m.allocatedSize(), m.acquiredSize(), m.idleSize(),
                m.pendingAcquireSize(), config.maxPendingAcquires(), counters.acquires.sum(), counters.creates.sum(),
                counters.createFailures.sum(), counters.destroys.sum(), counters.timeouts.sum(),
                counters.validationFailures.sum(), counters.discards.sum(), counters.leaks.sum());
    }

    /** The driver's metadata, so frameworks that pick a dialect by it (Spring Data R2DBC) see PostgreSQL. */
    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return factory.getMetadata();
    }

    @Override
    public String toString() {
        return "TidepoolPool{name=" + config.name() + ", target=" + config.target() + ", state=" + state.get() + ", "
                + stats().describeState() + "}";
    }
}
