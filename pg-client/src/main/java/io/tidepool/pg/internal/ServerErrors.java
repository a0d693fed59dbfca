package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcException;
import org.jspecify.annotations.Nullable;

/** Maps a server error to the R2DBC exception its SQLSTATE calls for: specific codes first, then the class. */
final class ServerErrors {

    private ServerErrors() {
    }

    static R2dbcException toException(ServerErrorFields f, @Nullable String sql) {
        String code = f.code();
        switch (code) {
            case "42501":
                return new PgPermissionDeniedException(f, sql);
            case "57014":
                return new PgTimeoutException(f, sql);
            case "55P03":
                return new PgTransientResourceException(f, sql);
            case "57P01": case "57P02": case "57P03":
                return new PgNonTransientResourceException(f, sql);
            default:
                break;
        }
        String cls = code.length() >= 2 ? code.substring(0, 2) : code;
        switch (cls) {
            case "42":
                return new PgBadGrammarException(f, sql);
            case "23":
                return new PgDataIntegrityViolationException(f, sql);
            case "40":
                return new PgRollbackException(f, sql);
            case "28":
                return new PgPermissionDeniedException(f, sql);
            case "08": case "58": case "XX":
                return new PgNonTransientResourceException(f, sql);
            case "53":
                return new PgTransientResourceException(f, sql);
            default:
                return new PgNonTransientException(f, sql);
        }
    }
}
