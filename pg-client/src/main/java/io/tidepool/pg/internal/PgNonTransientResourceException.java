package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import org.jspecify.annotations.Nullable;

/** A server error of SQLSTATE classes 08, 57P0x, 58, XX (connection or server gone), with every field the server sent. */
final class PgNonTransientResourceException extends R2dbcNonTransientResourceException implements ServerErrorView {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgNonTransientResourceException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public ServerErrorFields fields() {
        return fields;
    }
}
