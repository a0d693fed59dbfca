package io.tidepool.registry;

import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import io.tidepool.blocking.BlockingPool;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The named pools of an application, started together at startup and closed in order at shutdown.
 *
 * <pre>{@code
 * PoolRegistry registry = PoolRegistry.builder()
 *         .required(PoolConfiguration.builder().name("main").url(mainUrl).maxSize(20).build())
 *         .optional(PoolConfiguration.builder().name("analytics").url(analyticsUrl).maxSize(5).build())
 *         .connectionBudget(50)                 // refused at build() if the pools could need more
 *         .stopOnJvmShutdown()                  // opt-in
 *         .build();
 * registry.start().block();                     // main started; analytics started or retried in the background
 * TidepoolPool main = registry.pool("main");
 * ...
 * registry.stop(Duration.ofSeconds(20)).block(); // analytics closed, then main
 * }</pre>
 *
 * <h2>Starting</h2>
 * {@link #start()} starts every pool in parallel ({@link TidepoolPool#start()}: open and check the first
 * connections), each within the registry's {@link Builder#startTimeout(Duration) startTimeout} (and its own).
 * <ul>
 * <li>If a <em>required</em> pool fails, every pool is closed and start fails with one
 * {@link RegistryStartException} that lists every failure; the registry is then {@link RegistryState#FAILED}.</li>
 * <li>If only <em>optional</em> pools fail, start succeeds, the registry is {@link RegistryState#DEGRADED}, and each
 * failed optional pool is started again in the background with exponential backoff and jitter (on the
 * {@link Builder#scheduler(Scheduler) scheduler}) until it starts, when the registry turns
 * {@link RegistryState#RUNNING}, or the registry stops. Meanwhile the pool can be looked up and used: it opens
 * connections on demand, and fails as long as its server does.</li>
 * </ul>
 * The registry's state reflects starting only: a pool that started and later loses its server stays
 * {@link PoolAvailability#AVAILABLE} (the pool itself replaces broken connections; the health module reports it).
 *
 * <h2>Stopping</h2>
 * {@link #stop(Duration)} closes the pools one after another in reverse order of registration (a pool registered
 * later may depend on one registered earlier), each draining its borrowed connections
 * ({@link TidepoolPool#close()}). If the deadline elapses first, every pool not yet closed is asked to close at once
 * (each then finishes within its own {@code closeTimeout}) and stop fails with {@link RegistryStopException}.
 * Stopping a registry that is starting cancels the start: {@link #start()} then fails. Stopping is idempotent:
 * every call returns the same completion.
 *
 * <h2>Ownership</h2>
 * The registry owns its pools: pools registered by configuration are built by {@link Builder#build()}, pools
 * registered as instances are handed over; the registry closes all of them. Do not close a registered pool
 * yourself.
 *
 * <h2>Threads</h2>
 * Every method returns at once and never blocks; {@code start} and {@code stop} are lazy and run on subscription.
 * Their signals arrive on the scheduler or on the driver's event-loop threads. Cancelling the subscription to
 * {@code start()} or {@code stop()} does not cancel starting or stopping: use {@code stop} to end a start, and
 * {@link #using} to tie the registry to a piece of work.
 */
public final class PoolRegistry {

    /** Default {@link Builder#startTimeout(Duration)}. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link Builder#stopTimeout(Duration)}. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);
    /** Default first delay of {@link Builder#retryBackoff(Duration, Duration)}. */
    public static final Duration DEFAULT_RETRY_FIRST_BACKOFF = Duration.ofSeconds(1);
    /** Default longest delay of {@link Builder#retryBackoff(Duration, Duration)}. */
    public static final Duration DEFAULT_RETRY_MAX_BACKOFF = Duration.ofSeconds(60);

    private static final Logger log = LoggerFactory.getLogger(PoolRegistry.class);

    private final List<Entry> entries;
    private final Map<String, Entry> byName;
    private final @Nullable Integer connectionBudget;
    private final @Nullable Double connectionBudgetShare;
    private volatile @Nullable Integer serverBudget;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final Duration retryFirstBackoff;
    private final Duration retryMaxBackoff;
    private final Scheduler scheduler;
    private final @Nullable ShutdownHook shutdownHook;

    private final AtomicReference<RegistryState> state = new AtomicReference<>(RegistryState.NEW);
    private final Sinks.One<Void> started = Sinks.one();
    private final AtomicBoolean stopBegun = new AtomicBoolean();
    private final Sinks.One<Void> stopped = Sinks.one();
    private final AtomicReference<@Nullable Disposable> startTask = new AtomicReference<>();

    private PoolRegistry(Builder b, List<Entry> entries) {
        this.entries = List.copyOf(entries);
        Map<String, Entry> names = new LinkedHashMap<>();
        entries.forEach(e -> names.put(e.name(), e));
        this.byName = Collections.unmodifiableMap(names);
        this.connectionBudget = b.connectionBudget;
        this.connectionBudgetShare = b.connectionBudgetShare;
        this.startTimeout = b.startTimeout;
        this.stopTimeout = b.stopTimeout;
        this.retryFirstBackoff = b.retryFirstBackoff;
        this.retryMaxBackoff = b.retryMaxBackoff;
        this.scheduler = b.scheduler;
        this.shutdownHook = b.stopOnJvmShutdown ? new ShutdownHook(this, b.stopTimeout) : null;
    }

    /** A builder with no pool and every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The scoped form: starts the registry, runs {@code work} with it, and stops it (with its
     * {@link Builder#stopTimeout(Duration) stopTimeout}) when the work completes, fails or is cancelled, and when
     * start fails or is cancelled. An error of the stop is added as suppressed to an error of the work, or signalled
     * on its own after a completion.
     *
     * @param registry the registry to start; it is stopped afterwards and cannot be started again
     * @param work what to do with the started registry
     * @param <T> what the work emits
     */
    public static <T> Flux<T> using(PoolRegistry registry,
                                    Function<? super PoolRegistry, ? extends Publisher<T>> work) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(work, "work");
        return Flux.usingWhen(Mono.just(registry),
                r -> r.start().thenMany(Flux.defer(() -> work.apply(r))),
                PoolRegistry::stop, (r, error) -> r.stop(), PoolRegistry::stop);
    }

    // ---- lookup ----

    /**
     * The pool named {@code name}.
     *
     * @throws NoSuchElementException if there is none; the message lists the known names
     */
    public TidepoolPool pool(String name) {
        return entry(name).pool();
    }

    private Entry entry(String name) {
        Entry entry = byName.get(name);
        if (entry == null) {
            throw new NoSuchElementException("no pool named '" + name + "' in the registry; known pools: "
                    + String.join(", ", byName.keySet()));
        }
        return entry;
    }

    /** The pool named {@code name}, if registered. */
    public Optional<TidepoolPool> find(String name) {
        return Optional.ofNullable(byName.get(name)).map(Entry::pool);
    }

    /**
     * A blocking bridge to the pool named {@code name}: {@code BlockingPool.of(pool(name))}.
     *
     * @throws NoSuchElementException if there is none; the message lists the known names
     */
    public BlockingPool blocking(String name) {
        return BlockingPool.of(pool(name));
    }

    /** The names of the pools, in registration order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** A snapshot of every pool, in registration order. */
    public List<RegisteredPool> pools() {
        return entries.stream().map(Entry::snapshot).toList();
    }

    /** Whether the pool named {@code name} started. Unknown names fail as {@link #pool(String)} does. */
    public boolean isAvailable(String name) {
        return entry(name).availability() == PoolAvailability.AVAILABLE;
    }

    /** Where the registry is in its lifecycle. */
    public RegistryState state() {
        return state.get();
    }

    /** The connection budget the registry was built with, if any. */
    public Optional<Integer> connectionBudget() {
        return Optional.ofNullable(connectionBudget);
    }

    /** The share of the server's connections the registry was built with ({@code 0.25} for a quarter), if any. */
    public Optional<Double> connectionBudgetShare() {
        return Optional.ofNullable(connectionBudgetShare);
    }

    /**
     * The budget in connections that {@link Builder#connectionBudgetShare(double)} came to, once {@link #start()}
     * read the server's figure; empty before, or without a share.
     */
    public Optional<Integer> serverConnectionBudget() {
        return Optional.ofNullable(serverBudget);
    }

    /** How long {@link #stop()}, the scoped form and the shutdown hook wait for the pools to close. */
    public Duration stopTimeout() {
        return stopTimeout;
    }

    /** The shutdown hook's thread, when {@link Builder#stopOnJvmShutdown()} was asked for (for tests). */
    Optional<Thread> shutdownHookThread() {
        return Optional.ofNullable(shutdownHook).map(ShutdownHook::thread);
    }

    // ---- start ----

    /**
     * Starts every pool in parallel, as described in the class documentation. Idempotent: every call returns the
     * same completion. Lazy: nothing happens until subscription. Installs the shutdown hook, if asked for. A
     * registry starts once: after a stop, start fails.
     *
     * @return completes when every required pool has started (optional ones may still be retrying); fails with
     *         {@link RegistryStartException} once every pool is closed, if a required pool could not start or the
     *         registry was stopped first, or at once if the registry was stopped after it started
     */
    public Mono<Void> start() {
        return Mono.defer(() -> {
            if (state.compareAndSet(RegistryState.NEW, RegistryState.STARTING)) {
                if (shutdownHook != null) {
                    shutdownHook.install();
                }
                log.info("starting pool registry: {}", describe());
                Disposable task = Flux.fromIterable(entries)
                        .flatMap(e -> e.firstStart(startTimeout, scheduler), Math.max(1, entries.size()))
                        .collectList()
                        .subscribe(this::finishStart);
                startTask.set(task);
                if (stopBegun.get()) {
                    // a stop that began before the task was recorded could not cancel it
                    task.dispose();
                }
            }
            if (stopBegun.get()) {
                // a start that failed keeps its error; one that succeeded before the stop cannot be repeated
                return started.asMono().then(Mono.error(() -> new RegistryStartException(
                        "registry was stopped: it cannot be started again", Map.of(), Set.of())));
            }
            return started.asMono();
        });
    }

    private void finishStart(List<Entry.Outcome> outcomes) {
        Map<String, Throwable> failures = new LinkedHashMap<>();
        Set<String> requiredFailures = new LinkedHashSet<>();
        // outcomes arrive in completion order; report in registration order
        for (Entry entry : entries) {
            for (Entry.Outcome outcome : outcomes) {
                Throwable failure = outcome.failure();
                if (outcome.entry() == entry && failure != null) {
                    failures.put(entry.name(), failure);
                    if (entry.required()) {
                        requiredFailures.add(entry.name());
                        entry.markFailed();
                    }
                }
            }
        }
        if (!requiredFailures.isEmpty()) {
            rollBack(failures, requiredFailures);
            return;
        }
        Double share = connectionBudgetShare;
        if (share != null) {
            checkServerBudget(share, failures);
            return;
        }
        startSucceeded(failures);
    }

    /** Reads the server's connections through the first started pool, then fails the start or lets it succeed. */
    private void checkServerBudget(double share, Map<String, Throwable> failures) {
        Entry through = entries.stream().filter(e -> e.availability() == PoolAvailability.AVAILABLE).findFirst()
                .orElse(null);
        if (through == null) {
            // only optional pools, none started: nothing to read the server through yet
            log.warn("pool registry: no pool started, so the connection budget ({} of the server) is not checked",
                    ServerBudget.percent(share));
            startSucceeded(failures);
            return;
        }
        ServerBudget.check(through.pool(), entries, share, startTimeout, scheduler).subscribe(budget -> {
            serverBudget = budget;
            log.info("pool registry: connection budget {} of the server is {} connections; pools need {}",
                    ServerBudget.percent(share), budget,
                    entries.stream().mapToLong(e -> e.pool().configuration().maxServerConnections()).sum());
            startSucceeded(failures);
        }, error -> {
            String message = "registry could not start: " + error.getMessage() + "; every pool was closed";
            log.error(message);
            RegistryStartException failure = new RegistryStartException(message, Map.of(), Set.of());
            failure.addSuppressed(error);
            beginStop(stopTimeout, RegistryState.FAILED, failure).subscribe(null, e -> {
                // the start error is what callers see
            });
        });
    }

    private void startSucceeded(Map<String, Throwable> failures) {
        // the retries begin before the state changes, so that a stop racing with us finds and ends them
        failures.keySet().forEach(name -> entry(name).retryInBackground(startTimeout, retryFirstBackoff,
                retryMaxBackoff, scheduler, this::optionalPoolRecovered));
        RegistryState next = failures.isEmpty() ? RegistryState.RUNNING : RegistryState.DEGRADED;
        if (!state.compareAndSet(RegistryState.STARTING, next)) {
            entries.forEach(Entry::stopRetrying);
            return;
        }
        if (failures.isEmpty()) {
            log.info("pool registry started: {}", describe());
        } else {
            log.warn("pool registry started DEGRADED: optional pools {} could not start and are retried in the "
                    + "background: {}", failures.keySet(), describeFailures(failures));
        }
        started.tryEmitEmpty();
    }

    private void rollBack(Map<String, Throwable> failures, Set<String> requiredFailures) {
        String message = "registry could not start: " + requiredFailures.size() + " required pool"
                + (requiredFailures.size() == 1 ? "" : "s") + " failed (" + String.join(", ", requiredFailures)
                + "), every pool was closed; " + describeFailures(failures);
        log.error(message);
        RegistryStartException failure = new RegistryStartException(message, failures, requiredFailures);
        beginStop(stopTimeout, RegistryState.FAILED, failure).subscribe(null, e -> {
            // the start error is what callers see; how the rollback went is attached to it
        });
    }

    private void optionalPoolRecovered() {
        if (entries.stream().allMatch(e -> e.availability() == PoolAvailability.AVAILABLE)
                && state.compareAndSet(RegistryState.DEGRADED, RegistryState.RUNNING)) {
            log.info("pool registry is RUNNING: every pool is available");
        }
    }

    // ---- stop ----

    /** {@link #stop(Duration)} with the registry's {@link Builder#stopTimeout(Duration) stopTimeout}. */
    public Mono<Void> stop() {
        return stop(stopTimeout);
    }

    /**
     * Closes every pool in reverse order of registration, each after the previous one has drained and closed, all
     * within {@code deadline}; ends background retries and a start under way, and removes the shutdown hook.
     * Idempotent: every call returns the completion of the first (and its deadline). Lazy: nothing happens until
     * subscription; cancelling the subscription does not cancel the stop.
     *
     * @param deadline the most the whole stop waits; positive
     * @return completes once every pool is closed; fails with {@link RegistryStopException} if the deadline elapsed
     *         first (the remaining pools were then asked to close at once) or a pool failed to close
     * @throws IllegalArgumentException if {@code deadline} is not positive
     */
    public Mono<Void> stop(Duration deadline) {
        if (deadline == null || deadline.isZero() || deadline.isNegative()) {
            throw new IllegalArgumentException("deadline must be positive, was " + deadline);
        }
        return Mono.defer(() -> beginStop(deadline, RegistryState.STOPPED, null));
    }

    /** Stops once; {@code startFailure} is what a start under way fails with, by default "stopped before...". */
    private Mono<Void> beginStop(Duration deadline, RegistryState finalState,
                                 @Nullable RegistryStartException startFailure) {
        if (stopBegun.compareAndSet(false, true)) {
            runStop(deadline, finalState, startFailure);
        }
        return stopped.asMono();
    }

    private void runStop(Duration deadline, RegistryState finalState, @Nullable RegistryStartException startFailure) {
        RegistryState previous = state.getAndSet(RegistryState.STOPPING);
        Disposable task = startTask.getAndSet(null);
        if (task != null) {
            task.dispose();
        }
        entries.forEach(Entry::stopRetrying);
        log.info("stopping pool registry within {} ms, closing {}", deadline.toMillis(),
                reversed().stream().map(Entry::name).collect(Collectors.joining(" then ")));
        OrderedClose.close(reversed(), deadline, scheduler).subscribe(null, error -> finishStop(previous, finalState, startFailure, error),
                () -> finishStop(previous, finalState, startFailure, null));
    }

    private void finishStop(RegistryState previous, RegistryState finalState,
                            @Nullable RegistryStartException rollbackFailure, @Nullable Throwable error) {
        state.set(finalState);
        if (shutdownHook != null) {
            shutdownHook.remove();
        }
        if (previous == RegistryState.NEW || previous == RegistryState.STARTING) {
            RegistryStartException startFailure = rollbackFailure != null ? rollbackFailure
                    : new RegistryStartException(previous == RegistryState.NEW ? "registry was stopped before it started"
                    : "registry was stopped before it finished starting", Map.of(), Set.of());
            if (error != null) {
                startFailure.addSuppressed(error);
            }
            started.tryEmitError(startFailure);
        }
        if (error == null) {
            log.info("pool registry stopped");
            stopped.tryEmitEmpty();
        } else {
            log.warn("pool registry stopped with an error: {}", error.getMessage());
            stopped.tryEmitError(error);
        }
    }

    private List<Entry> reversed() {
        List<Entry> order = new ArrayList<>(entries);
        Collections.reverse(order);
        return order;
    }

    // ---- descriptions ----

    private String describe() {
        return entries.stream()
                .map(e -> e.name() + " (" + (e.required() ? "required" : "optional") + ", maxSize="
                        + e.pool().configuration().maxServerConnections() + ", " + e.pool().configuration().target() + ")")
                .collect(Collectors.joining(", "));
    }

    private String describeFailures(Map<String, Throwable> failures) {
        return failures.entrySet().stream()
                .map(f -> f.getKey() + " (" + (entry(f.getKey()).required() ? "required" : "optional")
                        + "): " + f.getValue().getMessage())
                .collect(Collectors.joining("; "));
    }

    @Override
    public String toString() {
        return "PoolRegistry{state=" + state.get() + ", pools=" + names()
                + (connectionBudget == null ? "" : ", connectionBudget=" + connectionBudget)
                + (connectionBudgetShare == null ? "" : ", connectionBudgetShare=" + connectionBudgetShare) + "}";
    }

    /**
     * Builds a {@link PoolRegistry}. Not thread-safe; every method checks its value at once and returns this
     * builder; {@link #build()} checks the rules between values (at least one pool, the connection budget) before it
     * builds anything. A bad value fails with an {@link IllegalArgumentException} that names the option, the rule and
     * the value.
     */
    public static final class Builder {

        private final List<Registration> registrations = new ArrayList<>();
        private @Nullable Integer connectionBudget;
        private @Nullable Double connectionBudgetShare;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
        private Duration retryFirstBackoff = DEFAULT_RETRY_FIRST_BACKOFF;
        private Duration retryMaxBackoff = DEFAULT_RETRY_MAX_BACKOFF;
        private Scheduler scheduler = reactor.core.scheduler.Schedulers.parallel();
        private boolean stopOnJvmShutdown;

        /** A pool to build at {@link #build()}, or one handed over; its name is its configuration's. */
        private record Registration(String name, boolean required, int maxSize,
                                    @Nullable PoolConfiguration configuration, @Nullable TidepoolPool pool) {

            TidepoolPool toPool() {
                return pool != null ? pool : TidepoolPool.create(Objects.requireNonNull(configuration));
            }
        }

        private Builder() {
        }

        /** A pool the application cannot run without: if it cannot start, the registry's start fails. */
        public Builder required(PoolConfiguration configuration) {
            notNull("configuration", configuration);
            return register(new Registration(configuration.name(), true, configuration.maxServerConnections(), configuration,
                    null));
        }

        /** A pool, already built, the application cannot run without; the registry takes it over and closes it. */
        public Builder required(TidepoolPool pool) {
            notNull("pool", pool);
            return register(new Registration(pool.name(), true, pool.configuration().maxServerConnections(), null, pool));
        }

        /**
         * A pool the application can start without: if it cannot start, the registry starts
         * {@link RegistryState#DEGRADED} and keeps starting the pool in the background.
         */
        public Builder optional(PoolConfiguration configuration) {
            notNull("configuration", configuration);
            return register(new Registration(configuration.name(), false, configuration.maxServerConnections(), configuration,
                    null));
        }

        /** Like {@link #optional(PoolConfiguration)}, for a pool already built; the registry takes it over. */
        public Builder optional(TidepoolPool pool) {
            notNull("pool", pool);
            return register(new Registration(pool.name(), false, pool.configuration().maxServerConnections(), null, pool));
        }

        private Builder register(Registration registration) {
            for (Registration known : registrations) {
                if (known.name().equals(registration.name())) {
                    throw new IllegalArgumentException("pool names must be unique in a registry, was '"
                            + registration.name() + "' twice");
                }
            }
            registrations.add(registration);
            return this;
        }

        /**
         * The most server connections this process may use: {@link #build()} refuses pools whose {@code maxSize}
         * add up to more. At least 1. Default: no budget.
         */
        public Builder connectionBudget(int connectionBudget) {
            if (connectionBudget < 1) {
                throw new IllegalArgumentException("connectionBudget must be at least 1, was " + connectionBudget);
            }
            this.connectionBudget = connectionBudget;
            return this;
        }

        /**
         * The share of the server's connections this process may use, for a fleet of N identical instances
         * {@code 1.0 / N} or less: {@link PoolRegistry#start()} reads what the server lets ordinary roles open
         * ({@code max_connections} less {@code superuser_reserved_connections} and {@code reserved_connections})
         * through the first pool that started, and fails (closing every pool) when the pools' {@code maxSize} add up
         * to more than this share of it, e.g. {@code connection budget 25 % of the server's 97 connections (24) is
         * exceeded: pools need 30 (main=20, reports=10)}. The pools must all go to that one server, directly (behind
         * PgBouncer the server's figure bounds PgBouncer, not the pools: give {@link #connectionBudget(int)}
         * instead). More than 0, at most 1. Default: none. May be combined with {@link #connectionBudget(int)}.
         */
        public Builder connectionBudgetShare(double share) {
            if (!(share > 0 && share <= 1)) {
                throw new IllegalArgumentException("connectionBudgetShare must be more than 0 and at most 1, was "
                        + share);
            }
            this.connectionBudgetShare = share;
            return this;
        }

        /**
         * The most each pool's start may take, within {@link PoolRegistry#start()} and each background retry; the
         * pool's own {@code startTimeout} applies too, whichever is shorter. Positive. Default 30 s.
         */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = positive("startTimeout", startTimeout);
            return this;
        }

        /**
         * The deadline of {@link PoolRegistry#stop()}, of the scoped form, of the shutdown hook and of the rollback
         * of a failed start. Positive. Default 30 s.
         */
        public Builder stopTimeout(Duration stopTimeout) {
            this.stopTimeout = positive("stopTimeout", stopTimeout);
            return this;
        }

        /**
         * The delays between background start attempts of an optional pool: {@code first}, doubling up to
         * {@code max}, each with up to 50% jitter. Both positive, {@code max} not less than {@code first}. Default
         * 1 s to 60 s.
         */
        public Builder retryBackoff(Duration first, Duration max) {
            positive("retryBackoff first", first);
            positive("retryBackoff max", max);
            if (max.compareTo(first) < 0) {
                throw new IllegalArgumentException("retryBackoff max must not be less than first (" + first
                        + "), was " + max);
            }
            this.retryFirstBackoff = first;
            this.retryMaxBackoff = max;
            return this;
        }

        /**
         * The scheduler start deadlines, background retries and the stop deadline run on (tests pass a virtual
         * one). Default {@link reactor.core.scheduler.Schedulers#parallel()}.
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = notNull("scheduler", scheduler);
            return this;
        }

        /**
         * Opt in to a JVM shutdown hook, installed by {@link PoolRegistry#start()}, that stops the registry with
         * its {@link #stopTimeout(Duration) stopTimeout} when the JVM exits; the hook removes itself when the
         * registry is stopped otherwise. Leave it off when a container (Spring, ...) stops the registry.
         */
        public Builder stopOnJvmShutdown() {
            this.stopOnJvmShutdown = true;
            return this;
        }

        /**
         * Checks the rules and builds the registry, and the pools registered by configuration (not started).
         *
         * @throws IllegalArgumentException if no pool is registered, or the pools' {@code maxSize} exceed the
         *         connection budget, e.g. {@code connection budget 100 is exceeded: pools need 150 (main=50,
         *         analytics=50, reports=50)}; nothing is built then
         */
        public PoolRegistry build() {
            if (registrations.isEmpty()) {
                throw new IllegalArgumentException(
                        "pools must not be empty: register at least one with required(...) or optional(...), was none");
            }
            if (connectionBudget != null) {
                long needed = registrations.stream().mapToLong(Registration::maxSize).sum();
                if (needed > connectionBudget) {
                    throw new IllegalArgumentException("connection budget " + connectionBudget
                            + " is exceeded: pools need " + needed + " (" + registrations.stream()
                            .map(r -> r.name() + "=" + r.maxSize()).collect(Collectors.joining(", ")) + ")");
                }
            }
            List<Entry> entries = new ArrayList<>(registrations.size());
            for (Registration r : registrations) {
                entries.add(new Entry(r.toPool(), r.required()));
            }
            return new PoolRegistry(this, entries);
        }

        private static <T> T notNull(String option, @Nullable T value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " must not be null");
            }
            return value;
        }

        private static Duration positive(String option, @Nullable Duration value) {
            notNull(option, value);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(option + " must be positive, was " + value);
            }
            return value;
        }
    }
}
