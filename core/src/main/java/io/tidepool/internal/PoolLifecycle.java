package io.tidepool.internal;

import io.r2dbc.spi.ValidationDepth;
import io.tidepool.PoolConfiguration;
import io.tidepool.PoolState;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.PoolClosedException;
import io.tidepool.error.PoolStartException;
import io.tidepool.error.PoolValidationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.pool.PooledRef;
import reactor.util.retry.Retry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The pool's lifecycle: {@code start()} (warm-up with retries under one deadline), the start on first use of a pool
 * never started, and {@code close()} (fail the waiters, drain the borrowed connections, reclaim the late ones, close
 * everything and wait for it). It alone moves the state; every part reads it through the {@link PoolContext}.
 */
final class PoolLifecycle {

    private static final Logger log = LoggerFactory.getLogger(io.tidepool.TidepoolPool.class);
    private static final Duration FIRST_START_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_START_BACKOFF = Duration.ofSeconds(5);
    private static final Duration DRAIN_POLL = Duration.ofMillis(10);

    private final PoolContext ctx;
    private final PoolConfiguration config;
    private final ConnectionSource source;
    private final Upkeep upkeep;
    private final Waiters waiters;
    private final GatedAllocation allocation;
    // the timers that run from construction (keepalive, silence watch): stopped by close()
    private final Disposable.Composite timers = Disposables.composite();
    private final AtomicReference<PoolState> state;
    private final AtomicReference<Sinks.@Nullable One<Void>> starting = new AtomicReference<>();
    private final AtomicBoolean closeBegun = new AtomicBoolean();
    private final Sinks.One<Void> closed = Sinks.one();

    PoolLifecycle(PoolContext ctx, ConnectionSource source, Upkeep upkeep, Waiters waiters,
                  GatedAllocation allocation) {
        this.allocation = allocation;
        this.ctx = ctx;
        this.config = ctx.config;
        this.source = source;
        this.upkeep = upkeep;
        this.waiters = waiters;
        this.state = ctx.state();
    }

    /** A timer that runs from construction until close(). */
    void runsUntilClosed(@Nullable Disposable timer) {
        if (timer != null) {
            timers.add(timer);
        }
    }

    /**
     * A pool used before {@code start()} (every pool made from an R2DBC URL) starts itself: RUNNING, with its upkeep
     * scheduled and {@code initialSize} and {@code minIdle} opened in the background, as {@code start()} would, but
     * without holding up the caller or failing it when the database is not there yet.
     */
    void startedByUse() {
        if (starting.get() == null && state.compareAndSet(PoolState.NEW, PoolState.RUNNING)) {
            log.info("pool '{}' started by its first use: {}", config.name(), config.target());
            upkeep.scheduleRefill();
            ctx.lane().ifPresent(MultiplexedLane::fillInBackground);
            // the caller's own acquire opens one of them
            upkeep.openIdle(Math.max(config.initialSize(), config.minIdle())
                    - ctx.engine().metrics().allocatedSize() - 1);
        }
    }

    Mono<Void> start() {
        return Mono.defer(() -> {
            if (state.get() == PoolState.RUNNING) {
                return Mono.empty();
            }
            if (ctx.isClosing()) {
                return Mono.error(new PoolClosedException(config.name(), ctx.stats()));
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
        // a multiplexing pool proves the server reachable with its lane; its own connections are for pinned borrowers
        int count = Math.max(config.multiplexed() ? 0 : 1, Math.max(config.initialSize(), config.minIdle()));
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
                    if (ctx.isClosing()) {
                        return Mono.<Void>error(new PoolClosedException(config.name(), ctx.stats()));
                    }
                    attempts.incrementAndGet();
                    return warmUp(count, over).then(ctx.lane().map(MultiplexedLane::fill).orElse(Mono.empty()));
                })
                .doOnError(lastError::set)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_START_BACKOFF)
                        .maxBackoff(MAX_START_BACKOFF)
                        .jitter(0.5)
                        .scheduler(config.scheduler())
                        .filter(e -> !cannotBeMended(e) && !over.get() && !ctx.isClosing())
                        .doBeforeRetry(signal -> log.warn("pool '{}': start attempt {} failed, retrying: {}",
                                config.name(), signal.totalRetries() + 1, signal.failure().toString()))
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .subscribe(null, error -> {
                    deadline.dispose();
                    if (over.compareAndSet(false, true)) {
                        startFailed(outcome, ctx.isClosing() ? "the pool was closed while it was starting"
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
                                new PoolClosedException(config.name(), ctx.stats()));
                        return;
                    }
                    upkeep.scheduleRefill();
                    log.info("pool '{}' started: {} ({})", config.name(), config.target(),
                            ctx.stats().describeState());
                    outcome.tryEmitEmpty();
                });
    }

    private boolean cannotBeMended(Throwable error) {
        ErrorCategory category = config.errorClassifier().classify(error);
        return category == ErrorCategory.PERMISSION || category == ErrorCategory.CONFIGURATION
                || category == ErrorCategory.PROGRAMMING;
    }

    private void startFailed(Sinks.One<Void> outcome, String reason, int attempts, Throwable cause) {
        PoolStartException failure = new PoolStartException(config.name(), reason, attempts, ctx.stats(), cause);
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
                .concatMap(i -> ctx.engine().acquire().flatMap(ref -> {
                    synchronized (held) {
                        held.add(ref);
                    }
                    return Mono.from(ref.poolable().connection().validate(ValidationDepth.REMOTE))
                            .timeout(config.validationTimeout(), config.scheduler())
                            .flatMap(ok -> ok ? Mono.<Void>empty() : Mono.error(new PoolValidationException(
                                    config.name(), "a new connection failed its first health check", 1, ctx.stats())));
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


    Mono<Void> close() {
        return Mono.defer(() -> {
            if (closeBegun.compareAndSet(false, true)) {
                runClose();
            }
            return closed.asMono();
        });
    }

    private void runClose() {
        state.set(PoolState.CLOSING);
        upkeep.stop();
        timers.dispose();
        waiters.snapshot().forEach(AcquireOperation::poolClosed);
        int borrowed = source.borrowed().size();
        if (borrowed > 0) {
            log.info("pool '{}' closing: waiting up to {} ms for {} borrowed connections", config.name(),
                    config.closeTimeout().toMillis(), borrowed);
        }
        drained(config.closeTimeout())
                .onErrorResume(TimeoutException.class, e -> {
                    List<Lease> late = source.borrowed();
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
                .then(Mono.defer(() -> ctx.lane().map(MultiplexedLane::close).orElse(Mono.empty())))
                .then(Mono.defer(() -> ctx.engine().disposeLater()))
                // reactor-pool never destroys what it left behind, so it never gives their permits back either: the
                // pool's allocated count would stay above zero for good (the permits are capped at maxSize)
                .then(Mono.defer(source::closeUnborrowed).doOnNext(allocation::returnPermits).then())
                // reactor-pool starts the last closes without waiting for them; close() promises they are done
                .then(Mono.defer(() -> allClosed(config.createTimeout())))
                .subscribe(null, error -> {
                    state.set(PoolState.CLOSED);
                    log.warn("pool '{}' closed with an error: {}", config.name(), error.toString());
                    closed.tryEmitError(error);
                }, () -> {
                    state.set(PoolState.CLOSED);
                    log.info("pool '{}' closed ({} connections opened, {} closed over its life)", config.name(),
                            ctx.counters.creates.sum(), ctx.counters.destroys.sum());
                    closed.tryEmitEmpty();
                });
    }

    private Mono<Void> allClosed(Duration within) {
        return until(() -> ctx.counters.destroys.sum() >= ctx.counters.creates.sum(), within)
                .onErrorResume(TimeoutException.class, e -> {
                    log.warn("pool '{}' closing: {} connections did not finish closing within {} ms", config.name(),
                            ctx.counters.creates.sum() - ctx.counters.destroys.sum(), within.toMillis());
                    return Mono.empty();
                });
    }

    private Mono<Void> drained(Duration within) {
        return until(() -> source.borrowed().isEmpty(), within);
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
}
