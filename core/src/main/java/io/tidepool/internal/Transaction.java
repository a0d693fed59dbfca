package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One transaction on one connection: BEGIN, then the work (its values kept), then COMMIT, then the values, all in one
 * operator (it replaced a chain of six operators and their lambdas on every {@code inTransaction}). An error or a
 * cancel at any step stops there and leaves the rollback to the release, which resets the connection.
 */
final class Transaction<T> extends Mono<List<T>> {

    private final Connection connection;
    private final Function<? super Connection, ? extends Publisher<T>> work;

    Transaction(Connection connection, Function<? super Connection, ? extends Publisher<T>> work) {
        this.connection = connection;
        this.work = work;
    }

    @Override
    public void subscribe(CoreSubscriber<? super List<T>> actual) {
        actual.onSubscribe(new Steps<>(actual, connection, work));
    }

    /**
     * The steps, one after another: each step's publisher is subscribed once the one before completed, so their
     * signals never overlap and the step and the values need no synchronisation.
     */
    private static final class Steps<T> extends FirstRequest implements CoreSubscriber<Object> {

        private static final int BEGIN = 0;
        private static final int WORK = 1;
        private static final int COMMIT = 2;

        private final CoreSubscriber<? super List<T>> actual;
        private final Connection connection;
        private final Function<? super Connection, ? extends Publisher<T>> work;
        private int step = BEGIN;
        private @Nullable List<T> values;
        private volatile @Nullable Subscription current;
        private volatile boolean cancelled;

        Steps(CoreSubscriber<? super List<T>> actual, Connection connection,
              Function<? super Connection, ? extends Publisher<T>> work) {
            this.actual = actual;
            this.connection = connection;
            this.work = work;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        void start() {
            next(connection.beginTransaction());
        }

        @Override
        void refused(IllegalArgumentException error) {
            actual.onError(Operators.onOperatorError(error, currentContext()));
        }

        @Override
        public void cancel() {
            cancelled = true;
            Subscription s = current;
            if (s != null) {
                s.cancel();
            }
        }

        @Override
        public void onSubscribe(Subscription s) {
            current = s;
            if (cancelled) {
                s.cancel();
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onNext(Object value) {
            // BEGIN and COMMIT emit nothing
            if (step == WORK) {
                if (values == null) {
                    values = new ArrayList<>();
                }
                values.add((T) value);
            }
        }

        @Override
        public void onError(Throwable error) {
            discardValues();
            actual.onError(error);
        }

        @Override
        public void onComplete() {
            switch (step) {
                case BEGIN -> {
                    step = WORK;
                    Publisher<T> p;
                    try {
                        p = work.apply(connection);
                    } catch (Throwable e) {
                        actual.onError(Operators.onOperatorError(e, currentContext()));
                        return;
                    }
                    next(p);
                }
                case WORK -> {
                    step = COMMIT;
                    next(connection.commitTransaction());
                }
                default -> {
                    List<T> out = values;
                    actual.onNext(out == null ? List.of() : out);
                    actual.onComplete();
                }
            }
        }

        private void next(Publisher<?> p) {
            if (cancelled) {
                discardValues();
                return;
            }
            p.subscribe(this);
        }

        private void discardValues() {
            List<T> kept = values;
            if (kept != null) {
                values = null;
                Operators.onDiscardMultiple(kept, actual.currentContext());
            }
        }
    }
}
