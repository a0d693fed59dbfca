package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcNonTransientException;
import org.jspecify.annotations.Nullable;

/** A server error of every other SQLSTATE, with every field the server sent. */
final class PgNonTransientException extends R2dbcNonTransientException implements ServerErrorView {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgNonTransientException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public ServerErrorFields fields() {
        return fields;
    }
}
