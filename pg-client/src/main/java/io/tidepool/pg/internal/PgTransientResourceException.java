package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcTransientResourceException;
import org.jspecify.annotations.Nullable;

/** A server error of SQLSTATE class 53 and 55P03 (resources, lock not available), with every field the server sent. */
final class PgTransientResourceException extends R2dbcTransientResourceException implements ServerErrorView {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgTransientResourceException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public ServerErrorFields fields() {
        return fields;
    }
}
