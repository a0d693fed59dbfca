package io.tidepool.internal;

import io.r2dbc.spi.R2dbcNonTransientResourceException;

/** A connection failed its check (the driver's, or the configured validation query) or did not answer in time. */
final class ValidationFailedException extends R2dbcNonTransientResourceException {

    private static final long serialVersionUID = 1L;

    ValidationFailedException(String message) {
        super(message);
    }
}
