package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcPermissionDeniedException;
import org.jspecify.annotations.Nullable;

/** A server error of SQLSTATE class 28 and 42501 (authorization), with every field the server sent. */
final class PgPermissionDeniedException extends R2dbcPermissionDeniedException implements ServerErrorView {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgPermissionDeniedException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public ServerErrorFields fields() {
        return fields;
    }
}
