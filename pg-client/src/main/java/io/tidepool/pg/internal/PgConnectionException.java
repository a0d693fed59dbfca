package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import org.jspecify.annotations.Nullable;

/** The connection could not be made, was lost, or was closed: the message names the server's host:port. */
final class PgConnectionException extends R2dbcNonTransientResourceException {

    private static final long serialVersionUID = 1L;

    PgConnectionException(String message, @Nullable Throwable cause) {
        this(message, "08006", cause);
    }

    PgConnectionException(String message, String sqlState, @Nullable Throwable cause) {
        super(message, sqlState, 0, (String) null, cause);
    }
}
