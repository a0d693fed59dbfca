package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import org.jspecify.annotations.Nullable;

/** A server error of SQLSTATE class 23 (integrity constraint violation), with every field the server sent. */
final class PgDataIntegrityViolationException extends R2dbcDataIntegrityViolationException implements ServerErrorView {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgDataIntegrityViolationException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public ServerErrorFields fields() {
        return fields;
    }
}
