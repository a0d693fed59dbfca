package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

/** Argument checks the R2DBC way: a null argument is an IllegalArgumentException, not a NullPointerException. */
final class Checks {

    private Checks() {
    }

    static <T> T notNull(@Nullable T value, String message) {
        if (value == null) {
            throw new IllegalArgumentException(message);
        }
        return value;
    }
}
