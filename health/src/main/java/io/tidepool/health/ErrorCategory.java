package io.tidepool.health;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.tidepool.error.ConnectionCreateTimeoutException;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.error.PoolPendingLimitException;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * What kind of failure an error is, as health reports and the {@code tidepool.connection.errors} meter name it.
 *
 * <p>{@link #of(Throwable)} classifies with one small table, walking the cause chain (at most 8 deep) and answering
 * the first row that matches, in this order:
 * <ol>
 *   <li>{@link #POOL_EXHAUSTED}: {@link PoolAcquireTimeoutException}, {@link PoolPendingLimitException};</li>
 *   <li>{@link #AUTH}: SQLSTATE class {@code 28} (invalid authorization: wrong password, no such role);</li>
 *   <li>{@link #CONNECTION}: SQLSTATE class {@code 08}, {@code 57P01} to {@code 57P03} (server shut down),
 *       an {@link IOException} (connection refused, reset, closed channel), or an
 *       {@link R2dbcNonTransientResourceException} with no SQLSTATE (how r2dbc-postgresql reports a closed
 *       connection);</li>
 *   <li>{@link #TIMEOUT}: {@link ConnectionCreateTimeoutException}, any other {@link R2dbcTimeoutException} or
 *       {@link TimeoutException}, SQLSTATE {@code 57014} (statement timeout or cancel);</li>
 *   <li>{@link #OTHER}: anything else (constraint violations, syntax errors, errors of the caller's own code).</li>
 * </ol>
 * This table stands in until the core module has its own error classifier.
 */
public enum ErrorCategory {

    /** The server cannot be reached or dropped the connection. */
    CONNECTION,
    /** Something did not answer in time: opening a connection, a statement. */
    TIMEOUT,
    /** No connection was free: the acquire timed out or the waiting queue was full. */
    POOL_EXHAUSTED,
    /** The server refused the credentials or the role. */
    AUTH,
    /** Any other error. */
    OTHER;

    private static final int MAX_DEPTH = 8;

    /** The category of {@code error}; {@link #OTHER} for {@code null}. */
    public static ErrorCategory of(@Nullable Throwable error) {
        for (ErrorCategory category : new ErrorCategory[] {POOL_EXHAUSTED, AUTH, CONNECTION, TIMEOUT}) {
            Throwable e = error;
            for (int depth = 0; e != null && depth < MAX_DEPTH; depth++, e = e.getCause()) {
                if (category.matches(e)) {
                    return category;
                }
            }
        }
        return OTHER;
    }

    private boolean matches(Throwable e) {
        String state = e instanceof R2dbcException r2dbc ? r2dbc.getSqlState() : null;
        switch (this) {
            case POOL_EXHAUSTED:
                return e instanceof PoolAcquireTimeoutException || e instanceof PoolPendingLimitException;
            case AUTH:
                return state != null && state.startsWith("28");
            case CONNECTION:
                return e instanceof IOException
                        || state != null && (state.startsWith("08") || state.matches("57P0[123]"))
                        || state == null && e instanceof R2dbcNonTransientResourceException
                        && !(e instanceof io.tidepool.error.PoolException);
            case TIMEOUT:
                return e instanceof R2dbcTimeoutException || e instanceof TimeoutException
                        || "57014".equals(state);
            default:
                return false;
        }
    }

    /** The lower-case name used as a tag value and in JSON: {@code connection}, {@code pool_exhausted}, ... */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
