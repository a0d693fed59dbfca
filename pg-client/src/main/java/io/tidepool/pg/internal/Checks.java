package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

/** Argument checks the R2DBC way: a null argument is an IllegalArgumentException, not a NullPointerException. */
final class Checks {

    private Checks() {
    }

    /** Checked before anything is encoded: a NUL would end the string early on the wire. */
    static String sql(@Nullable String sql) {
        notNull(sql, "sql must not be null");
        if (sql.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("sql must not contain the NUL character");
        }
        return sql;
    }

    static <T> T notNull(@Nullable T value, String message) {
        if (value == null) {
            throw new IllegalArgumentException(message);
        }
        return value;
    }
}
