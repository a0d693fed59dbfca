package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcTimeoutException;
import org.jspecify.annotations.Nullable;

/** A server error of SQLSTATE 57014 (statement cancelled: timeout or cancel request), with every field the server sent. */
final class PgTimeoutException extends R2dbcTimeoutException implements ServerErrorView {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgTimeoutException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public ServerErrorFields fields() {
        return fields;
    }
}
