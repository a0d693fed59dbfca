package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcTimeoutException;

/** Connect, TLS handshake and authentication together took longer than the configured connect timeout. */
final class PgConnectTimeoutException extends R2dbcTimeoutException {

    private static final long serialVersionUID = 1L;

    PgConnectTimeoutException(String message) {
        super(message, "08001", 0);
    }
}
