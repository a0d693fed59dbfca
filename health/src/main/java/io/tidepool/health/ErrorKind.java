package io.tidepool.health;

import io.tidepool.error.ErrorClassifier;
import org.jspecify.annotations.Nullable;

import java.util.Locale;

/**
 * What kind of failure an error is, as health reports and the {@code tidepool.connection.errors} meter name it: the
 * pool's own {@link ErrorClassifier} ({@code PoolConfiguration.errorClassifier()}, so a SQLSTATE a service moved is
 * moved here too) decides, and its categories are folded into five tag values that dashboards and
 * alerts can rely on: {@link io.tidepool.error.ErrorCategory#TRANSIENT_CONNECTION transient connection} is
 * {@link #CONNECTION},
 * timeout is {@link #TIMEOUT}, pool exhausted is {@link #POOL_EXHAUSTED}, a refused login (permission with SQLSTATE
 * class 28) is {@link #AUTH}, and every other category, {@code 42501 permission denied} on an object included, is
 * {@link #OTHER}.
 */
public enum ErrorKind {

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

    /**
     * The category of {@code error} by the core's default classifier; {@link #OTHER} for {@code null}. Health checks
     * and meters use {@link #of(Throwable, ErrorClassifier)} with their pool's classifier instead.
     */
    public static ErrorKind of(@Nullable Throwable error) {
        return of(error, ErrorClassifier.defaults());
    }

    /** The category of {@code error} by {@code classifier} (a pool's own, when it overrides rows). */
    public static ErrorKind of(@Nullable Throwable error, ErrorClassifier classifier) {
        return switch (classifier.classify(error)) {
            case TRANSIENT_CONNECTION -> CONNECTION;
            case TIMEOUT -> TIMEOUT;
            case POOL_EXHAUSTED -> POOL_EXHAUSTED;
            case PERMISSION -> refusedLogin(error) ? AUTH : OTHER;
            default -> OTHER;
        };
    }

    /**
     * A refused login (SQLSTATE class 28) is the server's trouble; a refused object ({@code 42501 permission denied
     * for table}) is one statement's, and counting it as {@link #AUTH} would turn a saturated pool DOWN.
     */
    private static boolean refusedLogin(@Nullable Throwable error) {
        String state = ErrorClassifier.sqlState(error);
        return state == null || state.startsWith("28");
    }

    /** The lower-case name used as a tag value and in JSON: {@code connection}, {@code pool_exhausted}, ... */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
