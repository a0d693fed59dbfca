package io.tidepool.pg;

import org.jspecify.annotations.Nullable;

/**
 * The fields of a server's {@code ErrorResponse} (or {@code NoticeResponse}). Every exception the client raises for a
 * server error is an {@link io.r2dbc.spi.R2dbcException} of the category its SQLSTATE calls for (for example
 * {@link io.r2dbc.spi.R2dbcBadGrammarException} for class 42) that also implements this interface:
 * <pre>{@code
 * if (error instanceof PgServerError server) { log.warn("{} at {}", server.detail(), server.constraint()); }
 * }</pre>
 * The field names follow the PostgreSQL documentation ("Error and Notice Message Fields"); a field the server did not
 * send is {@code null}.
 *
 * @since 0.1.0
 */
public interface PgServerError {

    /** The severity, not localized ({@code ERROR}, {@code FATAL}, {@code PANIC}, {@code WARNING}, {@code NOTICE}...). */
    String severity();

    /** The SQLSTATE code, for example {@code 23505}. */
    String code();

    /** The primary human-readable message. */
    String message();

    /** An optional secondary message with more detail. */
    @Nullable String detail();

    /** An optional suggestion what to do about the problem. */
    @Nullable String hint();

    /** The 1-based character position in the statement text where the error was found, as sent. */
    @Nullable String position();

    /** The position in an internally generated statement ({@link #internalQuery()}). */
    @Nullable String internalPosition();

    /** The text of a failed internally generated statement, for example a PL/pgSQL query. */
    @Nullable String internalQuery();

    /** The context of the error, for example a PL/pgSQL call stack. */
    @Nullable String where();

    /** The schema of the object the error is about. */
    @Nullable String schema();

    /** The table the error is about. */
    @Nullable String table();

    /** The column the error is about. */
    @Nullable String column();

    /** The data type the error is about. */
    @Nullable String dataType();

    /** The constraint the error is about. */
    @Nullable String constraint();

    /** The server source file that reported the error. */
    @Nullable String file();

    /** The line in {@link #file()}. */
    @Nullable String line();

    /** The server source routine that reported the error. */
    @Nullable String routine();
}
