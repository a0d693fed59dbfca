package io.tidepool.internal;

import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.reactivestreams.Publisher;

/** A {@link Statement} whose execution is tracked by the borrower's {@link ExchangeTracker}. */
final class TrackedStatement implements Statement {

    private final Statement delegate;
    private final String sql;
    private final PooledConnection owner;

    TrackedStatement(Statement delegate, String sql, PooledConnection owner) {
        this.delegate = delegate;
        this.sql = sql;
        this.owner = owner;
    }

    @Override
    public Statement add() {
        delegate.add();
        return this;
    }

    @Override
    public Statement bind(int index, Object value) {
        delegate.bind(index, value);
        return this;
    }

    @Override
    public Statement bind(String name, Object value) {
        delegate.bind(name, value);
        return this;
    }

    @Override
    public Statement bindNull(int index, Class<?> type) {
        delegate.bindNull(index, type);
        return this;
    }

    @Override
    public Statement bindNull(String name, Class<?> type) {
        delegate.bindNull(name, type);
        return this;
    }

    @Override
    public Statement returnGeneratedValues(String... columns) {
        delegate.returnGeneratedValues(columns);
        return this;
    }

    @Override
    public Statement fetchSize(int rows) {
        delegate.fetchSize(rows);
        return this;
    }

    @Override
    public Publisher<? extends Result> execute() {
        owner.runs(sql);
        return owner.executing(delegate.execute());
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
