package io.tidepool.internal;

import io.r2dbc.spi.Result;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * One exchange with the server, counted by its {@link ExchangeTracker} from subscription to its end, in one operator
 * (the exchange path of every statement: a chain of doOn* operators cost measurably more client CPU).
 *
 * <p>The counts change before the end signal travels on: the borrower's pipeline may end, and the release read the
 * counts, within that very signal.
 */
final class TrackedExchange<T> extends Flux<T> {

    private final Publisher<? extends T> source;
    private final ExchangeTracker tracker;
    private final boolean results;
    private final @Nullable TrackedResult reading;
    private final @Nullable PooledConnection fence;
    // a byte: with the boolean it fits the padding, so the fence costs one reference per exchange
    private final byte changes;

    /**
     * @param results for a statement's stream of results: each result is tracked; cancelling the stream after it
     *        gave one is then not an interruption (the {@code Mono.from(statement.execute())} idiom), the results
     *        decide
     * @param reading the result whose rows this exchange reads, if it does
     * @param fence the handle whose exchange this is: a returned handle fails the subscription instead
     * @param changes what the exchange changes, marked on subscription (see {@link PooledConnection#admits})
     */
    TrackedExchange(Publisher<? extends T> source, ExchangeTracker tracker, boolean results,
                    @Nullable TrackedResult reading, @Nullable PooledConnection fence, int changes) {
        this.source = source;
        this.tracker = tracker;
        this.results = results;
        this.reading = reading;
        this.fence = fence;
        this.changes = (byte) changes;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        if (reading != null) {
            reading.readingStarted();
        }
        tracker.exchangeStarted();
        // counted before the check: a release that begins meanwhile either fences this off or sees it in flight
        if (fence != null && !fence.admits(changes)) {
            tracker.exchangeEnded(true);
            Operators.error(actual, fence.fenced());
            return;
        }
        source.subscribe(new Tracking<>(actual, tracker, results));
    }

    private static final class Tracking<T> extends Relay<T, T> {

        private static final long serialVersionUID = 1L;

        private final ExchangeTracker tracker;
        private final boolean results;
        private volatile boolean gaveOne;

        Tracking(CoreSubscriber<? super T> actual, ExchangeTracker tracker, boolean results) {
            super(actual);
            this.tracker = tracker;
            this.results = results;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onNext(T value) {
            gaveOne = true;
            tracker.heard();
            actual.onNext(results ? (T) new TrackedResult((Result) value, tracker) : value);
        }

        @Override
        public void onError(Throwable error) {
            // the end counts once, whatever ends the exchange
            if (once()) {
                tracker.exchangeEnded(false);
            }
            actual.onError(tracker.endedWith(error));
        }

        @Override
        public void onComplete() {
            if (once()) {
                tracker.exchangeEnded(true);
            }
            actual.onComplete();
        }

        @Override
        public void cancel() {
            if (once()) {
                tracker.exchangeEnded(results && gaveOne);
            }
            cancelUpstream();
        }
    }
}
