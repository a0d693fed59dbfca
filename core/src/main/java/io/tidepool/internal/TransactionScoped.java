package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Result;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The session settings of the R2DBC API as they must be sent through a pooler in transaction mode
 * ({@link io.tidepool.ServerPooling#TRANSACTION}): for the current transaction only. r2dbc-postgresql sends
 * {@code SET STATEMENT_TIMEOUT}, {@code SET LOCK_TIMEOUT} and, outside a transaction,
 * {@code SET SESSION CHARACTERISTICS}: session state that stays on whichever server backend PgBouncer lent for that
 * exchange and reaches another client there, while a reset on return would land on yet another backend. Here they
 * become {@code SET LOCAL} and {@code SET TRANSACTION}, which end with the transaction, so nothing is left to reset;
 * outside a transaction they are refused.
 */
final class TransactionScoped {

    private TransactionScoped() {
    }

    static Mono<Void> statementTimeout(Connection connection, Duration timeout, String pool) {
        return setLocal(connection, "statement_timeout", timeout, "setStatementTimeout", pool);
    }

    static Mono<Void> lockWaitTimeout(Connection connection, Duration timeout, String pool) {
        return setLocal(connection, "lock_timeout", timeout, "setLockWaitTimeout", pool);
    }

    static Mono<Void> isolation(Connection connection, IsolationLevel level, String pool) {
        if (level == null) {
            return Mono.error(new IllegalArgumentException("isolationLevel must not be null"));
        }
        return inTransaction(connection, "setTransactionIsolationLevel", pool,
                "SET TRANSACTION ISOLATION LEVEL " + level.asSql());
    }

    private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(io.tidepool.TidepoolPool.class);

    /**
     * The return's plan without the session reset: behind a pooler in transaction mode the session state a borrower
     * set in SQL stays on the server connection it ran on, which the pooler lends to other clients, and a reset sent
     * now would run on whichever server connection comes next. Says so once per pool, at WARN.
     */
    static ReturnRule.Plan withoutSessionReset(ReturnRule.Plan plan, String pool) {
        if (WARNED.add(pool)) {
            log.warn("pool '{}' has serverPooling=transaction: a borrower ran SQL that changes its session (SET, "
                    + "LISTEN, a temporary table, a session advisory lock, ...); through the pooler it stays on the "
                    + "server connection it ran on, for other clients, and Tidepool cannot reset it there. Use "
                    + "transaction-scoped forms (SET LOCAL, pg_advisory_xact_lock, ON COMMIT DROP), or PgBouncer's "
                    + "server_reset_query_always = 1", pool);
        }
        return new ReturnRule.Plan(plan.outcome(), plan.rollback(), false, false, false);
    }

    private static Mono<Void> setLocal(Connection connection, String setting, Duration timeout, String method,
                                       String pool) {
        if (timeout == null || timeout.isNegative()) {
            return Mono.error(new IllegalArgumentException(method + " needs a duration of 0 or more, was " + timeout));
        }
        return inTransaction(connection, method, pool, "SET LOCAL " + setting + " = " + timeout.toMillis());
    }

    private static Mono<Void> inTransaction(Connection connection, String method, String pool, String sql) {
        return Mono.defer(() -> {
            if (connection.isAutoCommit()) {
                return Mono.error(new IllegalStateException("pool '" + pool + "' has serverPooling=transaction: "
                        + method + " outside a transaction would change whichever server connection the pooler "
                        + "lends next, for its next client; call it inside a transaction, where it applies to that "
                        + "transaction only"));
            }
            return Flux.from(connection.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).then();
        });
    }
}
