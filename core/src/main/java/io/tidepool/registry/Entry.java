package io.tidepool.registry;

import io.tidepool.PoolState;
import io.tidepool.TidepoolPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** One pool of a registry: its availability, its start attempts and its background retry. */
final class Entry {

    private static final Logger log = LoggerFactory.getLogger(PoolRegistry.class);

    /** The outcome of one start attempt: {@code failure} is null when the pool started. */
    record Outcome(Entry entry, @Nullable Throwable failure) {
    }

    private final TidepoolPool pool;
    private final boolean required;
    private final AtomicReference<PoolAvailability> availability =
            new AtomicReference<>(PoolAvailability.NOT_STARTED);
    private final AtomicInteger failedStarts = new AtomicInteger();
    private final AtomicReference<@Nullable Throwable> lastFailure = new AtomicReference<>();
    private final Disposable.Swap retry = Disposables.swap();

    Entry(TidepoolPool pool, boolean required) {
        this.pool = pool;
        this.required = required;
    }

    TidepoolPool pool() {
        return pool;
    }

    String name() {
        return pool.name();
    }

    boolean required() {
        return required;
    }

    PoolAvailability availability() {
        return availability.get();
    }

    RegisteredPool snapshot() {
        return new RegisteredPool(name(), required, pool.configuration().maxServerConnections(), availability.get(),
                failedStarts.get(), Optional.ofNullable(lastFailure.get()));
    }

    /** The first start, bounded by {@code deadline}; never fails: the outcome carries the error. */
    Mono<Outcome> firstStart(Duration deadline, Scheduler scheduler) {
        return Mono.defer(() -> {
                    availability.set(PoolAvailability.STARTING);
                    return attempt(deadline, scheduler);
                })
                .then(Mono.fromCallable(() -> {
                    availability.compareAndSet(PoolAvailability.STARTING, PoolAvailability.AVAILABLE);
                    return new Outcome(this, null);
                }))
                .onErrorResume(e -> Mono.just(new Outcome(this, e)));
    }

    private Mono<Void> attempt(Duration deadline, Scheduler scheduler) {
        return pool.start()
                .timeout(deadline, Mono.error(() -> new TimeoutException(
                        "pool '" + name() + "' did not start within " + deadline.toMillis() + " ms")), scheduler)
                .doOnError(e -> {
                    failedStarts.incrementAndGet();
                    lastFailure.set(e);
                });
    }

    /** A required pool failed its first start. */
    void markFailed() {
        availability.compareAndSet(PoolAvailability.STARTING, PoolAvailability.FAILED);
    }

    /**
     * Keeps starting an optional pool in the background until it starts or the registry stops: exponential backoff
     * from {@code first} to {@code max} with 50% jitter, each attempt bounded by {@code deadline}.
     */
    void retryInBackground(Duration deadline, Duration first, Duration max, Scheduler scheduler, Runnable recovered) {
        if (!availability.compareAndSet(PoolAvailability.STARTING, PoolAvailability.RETRYING)) {
            return;
        }
        Disposable task = Mono.defer(() -> attempt(deadline, scheduler))
                .doOnError(e -> log.debug("pool '{}' (optional): start attempt {} failed, retrying: {}", name(),
                        failedStarts.get(), e.toString()))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, first).maxBackoff(max).jitter(0.5).scheduler(scheduler))
                // the first retry waits too: the attempt that just failed was immediate
                .delaySubscription(first, scheduler)
                .subscribe(null,
                        e -> log.error("pool '{}' (optional): background start stopped: {}", name(), e.toString()),
                        () -> {
                            if (availability.compareAndSet(PoolAvailability.RETRYING, PoolAvailability.AVAILABLE)) {
                                log.info("pool '{}' (optional) is available after {} failed start attempts", name(),
                                        failedStarts.get());
                                recovered.run();
                            }
                        });
        retry.update(task);
    }

    /** Stops the background retry, if any; the pool's own start, if under way, ends when the pool closes. */
    void stopRetrying() {
        retry.dispose();
    }

    /** Closes the pool, draining borrowed connections within its {@code closeTimeout}. */
    Mono<Void> close() {
        return Mono.defer(() -> {
            stopRetrying();
            return pool.close();
        }).doOnTerminate(() -> availability.set(PoolAvailability.STOPPED));
    }

    /** Whether a close of ours completed; the pool's own state may read CLOSING a moment longer. */
    boolean isClosed() {
        return availability.get() == PoolAvailability.STOPPED || pool.state() == PoolState.CLOSED;
    }
}
