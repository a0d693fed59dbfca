package io.tidepool.internal;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one borrower did to its connection that a release must know about: conversations still in flight or cut
 * short, results never read, and session settings changed through the R2DBC API.
 *
 * <p>A release is free (no round trip) only when this tracker is {@link #quiet()} and no setting changed.
 */
final class ExchangeTracker {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger unreadResults = new AtomicInteger();
    private volatile boolean interrupted;
    private volatile boolean isolationChanged;
    private volatile boolean timeoutsChanged;

    // The counts change before the end signal travels on (doOnComplete, not doFinally): the borrower's pipeline
    // may end, and the release read these counts, within that very signal.

    /** Wraps one exchange with the server: it counts as in flight from subscription to its end. */
    <T> Flux<T> track(Publisher<T> exchange) {
        return Flux.from(exchange)
                .doOnSubscribe(s -> inFlight.incrementAndGet())
                .doOnComplete(() -> exchangeEnded(SignalType.ON_COMPLETE))
                .doOnError(e -> exchangeEnded(SignalType.ON_ERROR))
                .doOnCancel(() -> exchangeEnded(SignalType.CANCEL));
    }

    /** As {@link #track}, for an exchange that answers at most once. */
    <T> Mono<T> trackOne(Publisher<T> exchange) {
        return Mono.from(exchange)
                .doOnSubscribe(s -> inFlight.incrementAndGet())
                .doOnSuccess(v -> exchangeEnded(SignalType.ON_COMPLETE))
                .doOnError(e -> exchangeEnded(SignalType.ON_ERROR))
                .doOnCancel(() -> exchangeEnded(SignalType.CANCEL));
    }

    /**
     * Wraps a statement's execution. Cancelling the stream of results after it gave one is the common
     * {@code Mono.from(statement.execute())} idiom: the results given out decide whether the exchange was cut short.
     */
    <T> Flux<T> trackResults(Publisher<T> results, java.util.function.Function<T, T> wrap) {
        java.util.concurrent.atomic.AtomicBoolean gaveOne = new java.util.concurrent.atomic.AtomicBoolean();
        return Flux.from(results)
                .doOnSubscribe(s -> inFlight.incrementAndGet())
                .map(result -> {
                    gaveOne.set(true);
                    return wrap.apply(result);
                })
                .doOnComplete(inFlight::decrementAndGet)
                .doOnError(e -> exchangeEnded(SignalType.ON_ERROR))
                .doOnCancel(() -> {
                    inFlight.decrementAndGet();
                    if (!gaveOne.get()) {
                        interrupted = true;
                    }
                });
    }

    /** How many exchanges are running now. */
    int inFlight() {
        return inFlight.get();
    }

    private void exchangeEnded(SignalType signal) {
        inFlight.decrementAndGet();
        // an error or a cancel may leave the conversation unfinished, or the transaction status not yet reported
        if (signal != SignalType.ON_COMPLETE) {
            interrupted = true;
        }
    }

    void resultEmitted() {
        unreadResults.incrementAndGet();
    }

    void resultRead() {
        unreadResults.decrementAndGet();
    }

    void isolationChanged() {
        isolationChanged = true;
    }

    void timeoutsChanged() {
        timeoutsChanged = true;
    }

    /** Every exchange ended normally and every result was read: the server has answered all and is waiting. */
    boolean quiet() {
        return inFlight.get() == 0 && unreadResults.get() == 0 && !interrupted;
    }

    boolean isolationWasChanged() {
        return isolationChanged;
    }

    boolean timeoutsWereChanged() {
        return timeoutsChanged;
    }
}
