package io.tidepool.internal;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import io.tidepool.error.ConnectionReturnedException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The connection a borrower sees: the driver's connection, with every exchange tracked for the release, and fenced
 * off once returned. After {@link #close()} (or the end of {@code withConnection}), every method that answers at once
 * ({@code createStatement}, {@code isAutoCommit}, ...) throws {@link IllegalStateException}; every publisher fails
 * with it when subscribed, {@link #validate}'s answers {@code false} and {@link #close()}'s does nothing.
 *
 * <p>A publisher decides when it is subscribed, not when it is made: one made before the return and subscribed after
 * it is fenced off too, and a setter marks the setting changed (for the release's reset) only when it runs. The check
 * is part of the {@link TrackedExchange} every exchange already goes through: no operator is added.
 */
final class PooledConnection implements Connection {

    /** What an exchange changes when it runs, for the release's reset: nothing, the isolation level, the timeouts. */
    static final int CHANGES_NOTHING = 0;
    static final int CHANGES_ISOLATION = 1;
    static final int CHANGES_TIMEOUTS = 2;

    private final Connection raw;
    private final Lease lease;
    private final ExchangeTracker tracker;
    private volatile boolean returned;
    private volatile @Nullable String reclaimed;
    // set once, at the borrower's first call: a cancel that reaches the acquire late leaves a used handle alone
    private volatile boolean touched;

    PooledConnection(Connection raw, Lease lease, ExchangeTracker tracker) {
        this.raw = raw;
        this.lease = lease;
        this.tracker = tracker;
    }

    /** The borrowing this handle belongs to. */
    Lease lease() {
        return lease;
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

    /** Whether any method of this handle was called. */
    boolean touched() {
        return touched;
    }

    private void touch() {
        if (!touched) {
            touched = true;
        }
    }

    private Connection open() {
        touch();
        if (returned) {
            throw fenced();
        }
        return raw;
    }

    /** The borrower runs {@code sql}: what it leaves in the session is undone when the connection is returned. */
    void runs(String sql) {
        int changes = SessionStatements.changes(sql);
        if (changes != SessionStatements.NONE) {
            tracker.sessionChanged(changes);
        }
    }

    /** What using this handle after its return raises. */
    ConnectionReturnedException fenced() {
        String reason = reclaimed;
        return new ConnectionReturnedException(lease.poolName(), reason != null ? reason : "connection of pool '"
                + lease.poolName() + "' was already returned to the pool and must not be used any more",
                lease.poolStats());
    }

    /**
     * An exchange of this handle is being subscribed, already counted in flight: true when it may run. The change is
     * marked and the exchange counted before the flag is read, and a release sets the flag before it reads them: so
     * either the exchange is fenced off, or the release sees it (in flight, a setting changed) and resets after it.
     */
    boolean admits(int changes) {
        if ((changes & CHANGES_ISOLATION) != 0) {
            tracker.isolationChanged();
        }
        if ((changes & CHANGES_TIMEOUTS) != 0) {
            tracker.timeoutsChanged();
        }
        return !returned;
    }

    /** A statement's or batch's execution: fenced and tracked when subscribed. */
    Flux<Result> executing(Publisher<? extends Result> results) {
        return tracker.trackResults(results, this);
    }

    private Mono<Void> exchange(Publisher<Void> exchange) {
        touch();
        return tracker.trackOne(exchange, this, CHANGES_NOTHING);
    }

    private Mono<Void> setting(Publisher<Void> exchange, int changes) {
        touch();
        return tracker.trackOne(exchange, this, changes);
    }

    @Override
    public Publisher<Void> beginTransaction() {
        return exchange(raw.beginTransaction());
    }

    @Override
    public Publisher<Void> beginTransaction(TransactionDefinition definition) {
        return exchange(raw.beginTransaction(definition));
    }

    /** Returns the connection to its pool, once; later calls complete at once. */
    @Override
    public Publisher<Void> close() {
        return lease.returnByUser();
    }

    @Override
    public Publisher<Void> commitTransaction() {
        return exchange(raw.commitTransaction());
    }

    @Override
    public Batch createBatch() {
        return new TrackedBatch(open().createBatch(), this);
    }

    @Override
    public Publisher<Void> createSavepoint(String name) {
        return exchange(raw.createSavepoint(name));
    }

    @Override
    public Statement createStatement(String sql) {
        return new TrackedStatement(open().createStatement(sql), sql, this);
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
        return exchange(raw.releaseSavepoint(name));
    }

    @Override
    public Publisher<Void> rollbackTransaction() {
        return exchange(raw.rollbackTransaction());
    }

    @Override
    public Publisher<Void> rollbackTransactionToSavepoint(String name) {
        return exchange(raw.rollbackTransactionToSavepoint(name));
    }

    @Override
    public Publisher<Void> setAutoCommit(boolean autoCommit) {
        return exchange(raw.setAutoCommit(autoCommit));
    }

    @Override
    public Publisher<Void> setLockWaitTimeout(Duration timeout) {
        if (lease.transactionPooled()) {
            return exchange(TransactionScoped.lockWaitTimeout(raw, timeout, lease.poolName()));
        }
        return setting(raw.setLockWaitTimeout(timeout), CHANGES_TIMEOUTS);
    }

    @Override
    public Publisher<Void> setStatementTimeout(Duration timeout) {
        if (lease.transactionPooled()) {
            return exchange(TransactionScoped.statementTimeout(raw, timeout, lease.poolName()));
        }
        return setting(raw.setStatementTimeout(timeout), CHANGES_TIMEOUTS);
    }

    @Override
    public Publisher<Void> setTransactionIsolationLevel(IsolationLevel level) {
        if (lease.transactionPooled()) {
            return exchange(TransactionScoped.isolation(raw, level, lease.poolName()));
        }
        return setting(raw.setTransactionIsolationLevel(level), CHANGES_ISOLATION);
    }

    @Override
    public Publisher<Boolean> validate(ValidationDepth depth) {
        touch();
        if (returned) {
            return Mono.just(false);
        }
        // made before the return, subscribed after it: false, not the fence's error (the R2DBC TCK's validate test)
        return tracker.trackOne(raw.validate(depth), this, CHANGES_NOTHING).onErrorResume(
                ConnectionReturnedException.class, e -> Mono.just(false));
    }

    @Override
    public String toString() {
        return "PooledConnection{pool=" + lease.poolName() + ", returned=" + returned + "}";
    }
}
