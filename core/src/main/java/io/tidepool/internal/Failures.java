package io.tidepool.internal;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;

/**
 * The two questions the engine asks of an error before the full classifier exists: is the connection it came from
 * broken, and can retrying a start mend it.
 */
final class Failures {

    /** How deep a cause chain is followed; a cycle or a very long chain must not hang a release. */
    private static final int MAX_DEPTH = 8;

    private static final Set<String> SERVER_SHUTDOWN = Set.of("57P01", "57P02", "57P03");

    /** The server refused us for a reason that waiting does not change: credentials, database, privileges. */
    private static final Set<String> PERMANENT = Set.of("3D000", "42501", "28000", "28P01");

    private Failures() {
    }

    /** True when the connection that raised {@code error} must be closed rather than returned. */
    static boolean isBroken(@Nullable Throwable error) {
        Throwable e = error;
        for (int depth = 0; e != null && depth < MAX_DEPTH; depth++, e = e.getCause()) {
            if (e instanceof IOException || e instanceof ClosedChannelException) {
                return true;
            }
            if (e instanceof R2dbcException r2dbc) {
                String state = r2dbc.getSqlState();
                if (state != null && (state.startsWith("08") || SERVER_SHUTDOWN.contains(state))) {
                    return true;
                }
                // r2dbc-postgresql reports a closed connection as a non-transient resource error without SQLSTATE
                if (state == null && e instanceof R2dbcNonTransientResourceException) {
                    return true;
                }
            }
        }
        return false;
    }

    /** True when a start attempt failed for a reason that another attempt cannot mend. */
    static boolean isPermanent(@Nullable Throwable error) {
        Throwable e = error;
        for (int depth = 0; e != null && depth < MAX_DEPTH; depth++, e = e.getCause()) {
            if (e instanceof IllegalArgumentException || e instanceof R2dbcPermissionDeniedException) {
                return true;
            }
            if (e instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null
                    && (PERMANENT.contains(r2dbc.getSqlState()) || r2dbc.getSqlState().startsWith("28"))) {
                return true;
            }
        }
        return false;
    }
}
