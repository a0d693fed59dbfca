package io.tidepool.internal;

import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/** A {@link Result} whose reading is tracked: reading it to the end, or cutting it short, is reported once. */
final class TrackedResult implements Result {

    private static final VarHandle READ = Relay.field(MethodHandles.lookup(), "read", boolean.class);

    private final Result delegate;
    private final ExchangeTracker tracker;
    // the result the server sent; a filtered view reads it too, and the flag is the original's
    private final TrackedResult original;
    private volatile boolean read;

    TrackedResult(Result delegate, ExchangeTracker tracker) {
        this.delegate = delegate;
        this.tracker = tracker;
        this.original = this;
        tracker.resultEmitted();
    }

    private TrackedResult(Result delegate, TrackedResult original) {
        this.delegate = delegate;
        this.tracker = original.tracker;
        this.original = original;
    }

    /** Its rows are being read (by this view or another of the same result): counted once. */
    void readingStarted() {
        if (READ.compareAndSet(original, false, true)) {
            tracker.resultRead();
        }
    }

    private <T> Publisher<T> reading(Publisher<T> rows) {
        return tracker.trackReading(rows, this);
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
        return new TrackedResult(delegate.filter(filter), original);
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
