package io.tidepool.pg.internal;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Result;
import reactor.core.publisher.Flux;

/** Several statements without binds sent as one simple Query: one round trip, one Result per statement. */
final class PgBatch implements Batch {

    private final Exchanger connection;
    private final StringBuilder sql = new StringBuilder();

    PgBatch(Exchanger connection) {
        this.connection = connection;
    }

    @Override
    public PgBatch add(String statement) {
        Checks.sql(statement);
        if (sql.length() > 0) {
            // the newline first: it ends a -- comment the last statement ends with, which would hide a ; after it
            sql.append("\n;");
        }
        sql.append(statement);
        return this;
    }

    @Override
    public Flux<Result> execute() {
        return connection.exchange(sql.toString(), null);
    }
}
