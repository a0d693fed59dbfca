package io.tidepool;

import java.util.Locale;

/**
 * Whether something between the pool and PostgreSQL (PgBouncer, a hosted service's proxy) pools server connections
 * itself, and how: it decides what Tidepool may rely on across transactions. Set with
 * {@link PoolConfiguration.Builder#serverPooling(ServerPooling)} or the URL option {@code serverPooling=transaction}.
 */
public enum ServerPooling {

    /**
     * Each pooled connection keeps its own server backend for its whole life: a direct connection, or PgBouncer in
     * {@code pool_mode = session}. Session state (prepared statements, {@code SET}) is safe. The default.
     */
    SESSION,

    /**
     * The server backend behind a connection may change after every transaction (and between statements outside a
     * transaction): PgBouncer in {@code pool_mode = transaction}, or a hosted pooler in transaction mode. Tidepool
     * then sends nothing that outlives a transaction:
     * <ul>
     *   <li>r2dbc-postgresql gets {@code preparedStatementCacheQueries=0} (unless the options set it), so every
     *       statement is parsed, bound and run as the unnamed statement in one exchange, never a named
     *       {@code S_n} that the next transaction's backend does not have;</li>
     *   <li>{@code setStatementTimeout}, {@code setLockWaitTimeout} and {@code setTransactionIsolationLevel} apply to
     *       the current transaction only ({@code SET LOCAL}, {@code SET TRANSACTION}); called outside a
     *       transaction they fail with an {@link IllegalStateException}, as a session-wide {@code SET} would land on
     *       whichever backend PgBouncer lends next and stay there for another client;</li>
     *   <li>validation is a simple-protocol round trip and the reset on return is a {@code ROLLBACK} (which stays on
     *       the transaction's backend), so both work through the pooler;</li>
     *   <li>a statement its borrower abandoned is never cancelled with a cancel request (the pooler may deliver it to
     *       a backend that serves another client by then): the return's {@code ROLLBACK} waits for it up to
     *       {@code validationTimeout}, then the connection is closed;</li>
     *   <li>session-level SQL a borrower ran ({@code SET}, {@code LISTEN}, ...) is not reset on return (the reset
     *       would run on another server connection): one WARN per pool says so; and {@code connectionInitSql} is
     *       refused at {@code build()}.</li>
     * </ul>
     */
    TRANSACTION;

    /** The value for a URL option: {@code session} or {@code transaction}, in any case. */
    public static ServerPooling parse(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        for (ServerPooling mode : values()) {
            if (mode.name().equals(v)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("serverPooling must be session or transaction, was '" + value + "'");
    }
}
