package io.tidepool.internal;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The connection a borrower sees: the driver's connection, with every exchange tracked for the release, and fenced
 * off once returned. After {@link #close()} (or the end of {@code withConnection}), every method throws
 * {@link IllegalStateException}, {@link #validate} answers {@code false} and {@link #close()} does nothing.
 */
final class PooledConnection implements Connection {

    private final Connection raw;
    private final Lease lease;
    private final ExchangeTracker tracker;
    private volatile boolean returned;
    private volatile @Nullable String reclaimed;

    PooledConnection(Connection raw, Lease lease, ExchangeTracker tracker) {
        this.raw = raw;
        this.lease = lease;
        this.tracker = tracker;
    }

    /** Fences this handle off: called once, when its lease is released. */
    void markReturned() {
        returned = true;
    }

    /** Fences this handle off because the pool took the connection back; later use fails with {@code reason}. */
    void markReclaimed(String reason) {
        reclaimed = reason;
        returned = true;
    }

    private Connection open() {
        if (returned) {
            String reason = reclaimed;
            if (reason != null) {
                throw new IllegalStateException(reason);
            }
            throw new IllegalStateException("connection of pool '" + lease.poolName()
                    + "' was already returned to the pool and must not be used any more");
        }
        return raw;
    }

    Flux<Result> executing(Publisher<? extends Result> results) {
        open();
        return tracker.trackResults(Flux.<Result>from(results));
    }

    @Override
    public Publisher<Void> beginTransaction() {
        return tracker.trackOne(open().beginTransaction());
    }

    @Override
    public Publisher<Void> beginTransaction(TransactionDefinition definition) {
        return tracker.trackOne(open().beginTransaction(definition));
    }

    /** Returns the connection to its pool, once; later calls complete at once. */
    @Override
    public Publisher<Void> close() {
        return lease.returnByUser();
    }

    @Override
    public Publisher<Void> commitTransaction() {
        return tracker.trackOne(open().commitTransaction());
    }

    @Override
    public Batch createBatch() {
        return new TrackedBatch(open().createBatch(), this);
    }

    @Override
    public Publisher<Void> createSavepoint(String name) {
        return tracker.trackOne(open().createSavepoint(name));
    }

    @Override
    public Statement createStatement(String sql) {
        return new TrackedStatement(open().createStatement(sql), this);
    }

    @Override
    public boolean isAutoCommit() {
        return open().isAutoCommit();
    }

    @Override
    public ConnectionMetadata getMetadata() {
        return open().getMetadata();
    }

    @Override
    public IsolationLevel getTransactionIsolationLevel() {
        return open().getTransactionIsolationLevel();
    }

    @Override
    public Publisher<Void> releaseSavepoint(String name) {
        return tracker.trackOne(open().releaseSavepoint(name));
    }

    @Override
    public Publisher<Void> rollbackTransaction() {
        return tracker.trackOne(open().rollbackTransaction());
    }

    @Override
    public Publisher<Void> rollbackTransactionToSavepoint(String name) {
        return tracker.trackOne(open().rollbackTransactionToSavepoint(name));
    }

    @Override
    public Publisher<Void> setAutoCommit(boolean autoCommit) {
        return tracker.trackOne(open().setAutoCommit(autoCommit));
    }

    @Override
    public Publisher<Void> setLockWaitTimeout(Duration timeout) {
        if (lease.transactionPooled()) {
            return tracker.trackOne(TransactionScoped.lockWaitTimeout(open(), timeout, lease.poolName()));
        }
        Publisher<Void> exchange = open().setLockWaitTimeout(timeout);
        tracker.timeoutsChanged();
        return tracker.trackOne(exchange);
    }

    @Override
    public Publisher<Void> setStatementTimeout(Duration timeout) {
        if (lease.transactionPooled()) {
            return tracker.trackOne(TransactionScoped.statementTimeout(open(), timeout, lease.poolName()));
        }
        Publisher<Void> exchange = open().setStatementTimeout(timeout);
        tracker.timeoutsChanged();
        return tracker.trackOne(exchange);
    }

    @Override
    public Publisher<Void> setTransactionIsolationLevel(IsolationLevel level) {
        if (lease.transactionPooled()) {
            return tracker.trackOne(TransactionScoped.isolation(open(), level, lease.poolName()));
        }
        Publisher<Void> exchange = open().setTransactionIsolationLevel(level);
        tracker.isolationChanged();
        return tracker.trackOne(exchange);
    }

    @Override
    public Publisher<Boolean> validate(ValidationDepth depth) {
        if (returned) {
            return Mono.just(false);
        }
        return tracker.trackOne(raw.validate(depth));
    }

    @Override
    public String toString() {
        return "PooledConnection{pool=" + lease.poolName() + ", returned=" + returned + "}";
    }
}
