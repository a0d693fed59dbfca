package io.tidepool.internal;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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

    /**
     * Wraps one exchange with the server, running {@code onStart} when it is subscribed: it counts as in flight
     * from subscription to its end.
     */
    <T> Flux<T> track(Publisher<T> exchange, Runnable onStart) {
        return new TrackedExchange<>(exchange, this, null, onStart);
    }

    /** Wraps one exchange that answers at most once: in flight from subscription to its end. */
    <T> Mono<T> trackOne(Publisher<T> exchange) {
        return Mono.fromDirect(new TrackedExchange<>(exchange, this, null, null));
    }

    /**
     * Wraps a statement's execution, each result wrapped by {@code wrap}. Cancelling the stream of results after it
     * gave one is the common {@code Mono.from(statement.execute())} idiom: the results decide whether the exchange
     * was cut short.
     */
    <T> Flux<T> trackResults(Publisher<T> results, java.util.function.Function<T, T> wrap) {
        return new TrackedExchange<>(results, this, wrap, null);
    }

    void exchangeStarted() {
        inFlight.incrementAndGet();
    }

    /**
     * An exchange ended; {@code clean} when it completed (or, for a stream of results, was cancelled after giving
     * one). Otherwise the conversation may be unfinished, or the transaction status not yet reported.
     */
    void exchangeEnded(boolean clean) {
        inFlight.decrementAndGet();
        if (!clean) {
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
