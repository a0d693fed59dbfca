package io.tidepool.internal;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

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
    private final @Nullable Function<T, T> wrap;
    private final @Nullable Runnable onStart;

    /**
     * @param wrap for a statement's stream of results: wraps each result; cancelling the stream after it gave one is
     *        then not an interruption (the {@code Mono.from(statement.execute())} idiom), the results decide
     */
    TrackedExchange(Publisher<? extends T> source, ExchangeTracker tracker, @Nullable Function<T, T> wrap,
                    @Nullable Runnable onStart) {
        this.source = source;
        this.tracker = tracker;
        this.wrap = wrap;
        this.onStart = onStart;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        if (onStart != null) {
            onStart.run();
        }
        tracker.exchangeStarted();
        source.subscribe(new Tracking<>(actual, tracker, wrap));
    }

    private static final class Tracking<T> extends AtomicBoolean implements CoreSubscriber<T>, Subscription {

        private static final long serialVersionUID = 1L;

        private final CoreSubscriber<? super T> actual;
        private final ExchangeTracker tracker;
        private final @Nullable Function<T, T> wrap;
        private @Nullable Subscription upstream;
        private volatile boolean gaveOne;

        Tracking(CoreSubscriber<? super T> actual, ExchangeTracker tracker, @Nullable Function<T, T> wrap) {
            this.actual = actual;
            this.tracker = tracker;
            this.wrap = wrap;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            actual.onSubscribe(this);
        }

        @Override
        public void onNext(T value) {
            gaveOne = true;
            actual.onNext(wrap == null ? value : wrap.apply(value));
        }

        @Override
        public void onError(Throwable error) {
            // the flag (this AtomicBoolean) makes the end count once, whatever ends the exchange
            if (compareAndSet(false, true)) {
                tracker.exchangeEnded(false);
            }
            actual.onError(error);
        }

        @Override
        public void onComplete() {
            if (compareAndSet(false, true)) {
                tracker.exchangeEnded(true);
            }
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            Subscription s = upstream;
            if (s != null) {
                s.request(n);
            }
        }

        @Override
        public void cancel() {
            if (compareAndSet(false, true)) {
                tracker.exchangeEnded(wrap != null && gaveOne);
            }
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
        }
    }
}
