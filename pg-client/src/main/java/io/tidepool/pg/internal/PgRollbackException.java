package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcRollbackException;
import org.jspecify.annotations.Nullable;

/** A server error of SQLSTATE class 40 (transaction rollback: serialization failure, deadlock), with every field the server sent. */
final class PgRollbackException extends R2dbcRollbackException implements ServerErrorView {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgRollbackException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public ServerErrorFields fields() {
        return fields;
    }
}
