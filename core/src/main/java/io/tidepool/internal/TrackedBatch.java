package io.tidepool.internal;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Result;
import org.reactivestreams.Publisher;

/** A {@link Batch} whose execution is tracked by the borrower's {@link ExchangeTracker}. */
final class TrackedBatch implements Batch {

    private final Batch delegate;
    private final PooledConnection owner;

    TrackedBatch(Batch delegate, PooledConnection owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    @Override
    public Batch add(String sql) {
        owner.runs(sql);
        delegate.add(sql);
        return this;
    }

    @Override
    public Publisher<? extends Result> execute() {
        return owner.executing(delegate.execute());
    }
}
