package io.tidepool.internal;

import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/** A {@link Result} whose reading is tracked: reading it to the end, or cutting it short, is reported once. */
final class TrackedResult implements Result {

    private final Result delegate;
    private final ExchangeTracker tracker;
    private final AtomicBoolean read;

    TrackedResult(Result delegate, ExchangeTracker tracker) {
        this(delegate, tracker, new AtomicBoolean());
        tracker.resultEmitted();
    }

    private TrackedResult(Result delegate, ExchangeTracker tracker, AtomicBoolean read) {
        this.delegate = delegate;
        this.tracker = tracker;
        this.read = read;
    }

    private <T> Publisher<T> reading(Publisher<T> rows) {
        return tracker.track(rows, () -> {
            if (read.compareAndSet(false, true)) {
                tracker.resultRead();
            }
        });
    }

    @Override
    public Publisher<Long> getRowsUpdated() {
        return reading(delegate.getRowsUpdated());
    }

    @Override
    public <T> Publisher<T> map(BiFunction<Row, RowMetadata, ? extends T> mappingFunction) {
        return reading(delegate.map(mappingFunction));
    }

    @Override
    public <T> Publisher<T> map(Function<? super Readable, ? extends T> mappingFunction) {
        return reading(delegate.map(mappingFunction));
    }

    @Override
    public Result filter(Predicate<Segment> filter) {
        return new TrackedResult(delegate.filter(filter), tracker, read);
    }

    @Override
    public <T> Publisher<T> flatMap(Function<Segment, ? extends Publisher<? extends T>> mappingFunction) {
        return reading(Flux.from(delegate.flatMap(mappingFunction)));
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
