package io.tidepool.error;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcRollbackException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Maps an error to its {@link ErrorCategory}: one table of SQLSTATE rows (an exact code, or a class given by its
 * first two characters; the exact code wins), then, for errors without a SQLSTATE, one table of exception types.
 * A TLS handshake or certificate failure anywhere in the chain is {@link ErrorCategory#CONFIGURATION}.
 * The cause chain is followed up to {@value #MAX_DEPTH} levels and the deepest error with a SQLSTATE decides: the
 * driver wraps the server's refusal (say 28P01, a wrong password) in its own 08003 "cannot connect", and retrying
 * the wrapper's category would be a reconnect storm.
 *
 * <p>Immutable and thread-safe. {@link #withSqlState} answers a copy with one row added or replaced, so a service can
 * move, say, {@code 55P03} (lock not available) to {@link ErrorCategory#TRANSACTION_CONFLICT} to have it retried.
 *
 * <pre>{@code
 * ErrorCategory category = ErrorClassifier.defaults().classify(error);
 * String plain = ErrorClassifier.defaults().describe(error);
 * // "the data violates a constraint [23505]: duplicate key value violates unique constraint \"item_pkey\""
 * }</pre>
 */
public final class ErrorClassifier {

    /** How deep the cause chain is followed: a cycle or a pathological chain must not hang a release. */
    public static final int MAX_DEPTH = 8;

    private static final Pattern SQLSTATE = Pattern.compile("[0-9A-Z]{2}([0-9A-Z]{3})?");

    private static final ErrorClassifier DEFAULTS = new ErrorClassifier(defaultStates());

    private final Map<String, ErrorCategory> bySqlState;

    private ErrorClassifier(Map<String, ErrorCategory> bySqlState) {
        this.bySqlState = Collections.unmodifiableMap(bySqlState);
    }

    /** The default table; see {@link #rows()}. */
    public static ErrorClassifier defaults() {
        return DEFAULTS;
    }

    private static Map<String, ErrorCategory> defaultStates() {
        Map<String, ErrorCategory> rows = new LinkedHashMap<>();
        rows.put("08", ErrorCategory.TRANSIENT_CONNECTION);
        rows.put("57P01", ErrorCategory.TRANSIENT_CONNECTION);
        rows.put("57P02", ErrorCategory.TRANSIENT_CONNECTION);
        rows.put("57P03", ErrorCategory.TRANSIENT_CONNECTION);
        rows.put("40001", ErrorCategory.TRANSACTION_CONFLICT);
        rows.put("40P01", ErrorCategory.TRANSACTION_CONFLICT);
        rows.put("57014", ErrorCategory.TIMEOUT);
        rows.put("55P03", ErrorCategory.TIMEOUT);
        rows.put("23", ErrorCategory.INTEGRITY);
        rows.put("42", ErrorCategory.PROGRAMMING);
        rows.put("0A000", ErrorCategory.PROGRAMMING);
        rows.put("22", ErrorCategory.DATA);
        rows.put("28", ErrorCategory.PERMISSION);
        rows.put("42501", ErrorCategory.PERMISSION);
        rows.put("3D000", ErrorCategory.CONFIGURATION);
        rows.put("53", ErrorCategory.SERVER_RESOURCES);
        return rows;
    }

    /**
     * A copy of this classifier in which {@code sqlState} (an exact five-character code, or a two-character class)
     * maps to {@code category}.
     *
     * @throws IllegalArgumentException if {@code sqlState} is not a SQLSTATE code or class
     */
    public ErrorClassifier withSqlState(String sqlState, ErrorCategory category) {
        if (sqlState == null || !SQLSTATE.matcher(sqlState).matches()) {
            throw new IllegalArgumentException("sqlState must be a SQLSTATE code like 40001 or a class like 40, was "
                    + (sqlState == null ? "null" : "'" + sqlState + "'"));
        }
        Map<String, ErrorCategory> rows = new LinkedHashMap<>(bySqlState);
        rows.put(sqlState, Objects.requireNonNull(category, "category"));
        return new ErrorClassifier(rows);
    }

    /** The SQLSTATE table, in the order rows were added: codes and classes to categories. */
    public Map<String, ErrorCategory> rows() {
        return bySqlState;
    }

    /** The category of {@code error}; {@link ErrorCategory#UNKNOWN} when nothing in its cause chain is known. */
    public ErrorCategory classify(@Nullable Throwable error) {
        List<Throwable> chain = chain(error);
        for (Throwable e : chain) {
            // a certificate the client refuses comes wrapped in the driver's 08003: no retry will make it valid
            if (e instanceof SSLHandshakeException || e instanceof CertificateException) {
                return ErrorCategory.CONFIGURATION;
            }
        }
        for (int i = chain.size() - 1; i >= 0; i--) {
            ErrorCategory bySqlState = bySqlState(chain.get(i));
            if (bySqlState != null) {
                return bySqlState;
            }
        }
        for (Throwable e : chain) {
            ErrorCategory byType = byType(e);
            if (byType != null) {
                return byType;
            }
        }
        return ErrorCategory.UNKNOWN;
    }

    /**
     * The error in plain words, the server's own detail kept: the category's description, the SQLSTATE when there is
     * one, and the message.
     */
    public String describe(@Nullable Throwable error) {
        if (error == null) {
            return ErrorCategory.UNKNOWN.description();
        }
        String state = sqlState(error);
        return classify(error).description() + (state == null ? "" : " [" + state + "]") + ": " + error.getMessage();
    }

    /** The deepest SQLSTATE in the cause chain of {@code error}, if any: the server's own, under any wrapper. */
    public static @Nullable String sqlState(@Nullable Throwable error) {
        List<Throwable> chain = chain(error);
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (chain.get(i) instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null
                    && !r2dbc.getSqlState().isEmpty()) {
                return r2dbc.getSqlState();
            }
        }
        return null;
    }

    private @Nullable ErrorCategory bySqlState(Throwable e) {
        if (!(e instanceof R2dbcException r2dbc)) {
            return null;
        }
        String state = r2dbc.getSqlState();
        if (state == null || state.length() < 2) {
            return null;
        }
        ErrorCategory exact = bySqlState.get(state);
        return exact != null ? exact : bySqlState.get(state.substring(0, 2));
    }

    private static @Nullable ErrorCategory byType(Throwable e) {
        if (e instanceof PoolAcquireTimeoutException || e instanceof PoolPendingLimitException) {
            return ErrorCategory.POOL_EXHAUSTED;
        }
        if (e instanceof PoolClosedException) {
            return ErrorCategory.POOL_CLOSED;
        }
        if (e instanceof ConnectionCreateTimeoutException || e instanceof IOException) {
            return ErrorCategory.TRANSIENT_CONNECTION;
        }
        if (e instanceof R2dbcTimeoutException || e instanceof TimeoutException) {
            return ErrorCategory.TIMEOUT;
        }
        if (e instanceof R2dbcPermissionDeniedException) {
            return ErrorCategory.PERMISSION;
        }
        if (e instanceof R2dbcBadGrammarException) {
            return ErrorCategory.PROGRAMMING;
        }
        if (e instanceof R2dbcDataIntegrityViolationException) {
            return ErrorCategory.INTEGRITY;
        }
        if (e instanceof R2dbcRollbackException) {
            return ErrorCategory.TRANSACTION_CONFLICT;
        }
        if (e instanceof IllegalArgumentException) {
            return ErrorCategory.CONFIGURATION;
        }
        // r2dbc-postgresql reports a closed connection as a resource error without SQLSTATE
        if (e instanceof R2dbcNonTransientResourceException || e instanceof R2dbcTransientResourceException) {
            return ErrorCategory.TRANSIENT_CONNECTION;
        }
        return null;
    }

    private static List<Throwable> chain(@Nullable Throwable error) {
        List<Throwable> chain = new ArrayList<>(2);
        Throwable e = error;
        while (e != null && chain.size() < MAX_DEPTH && !chain.contains(e)) {
            chain.add(e);
            e = e.getCause();
        }
        return chain;
    }
}
