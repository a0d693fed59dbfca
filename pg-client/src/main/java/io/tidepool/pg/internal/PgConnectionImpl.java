package io.tidepool.pg.internal;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import io.tidepool.pg.PgHost;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTransactionStatus;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The R2DBC connection over one {@link PgEngine}. Every call becomes one command on the engine's queue;
 * {@code beginTransaction} only records the BEGIN, which goes out with the next statement.
 */
final class PgConnectionImpl implements PgSession, Exchanger {

    /** r2dbc-postgresql's {@code PostgresTransactionDefinition.DEFERRABLE}, by its name. */
    private static final io.r2dbc.spi.Option<Boolean> DEFERRABLE = io.r2dbc.spi.Option.valueOf("deferrable");

    private final PgEngine engine;
    private final PgConnector connector;
    private final PgHost host;
    /** The session's level, which transactions begun without one take. */
    private volatile IsolationLevel sessionIsolation = IsolationLevel.READ_COMMITTED;
    /** The level of the logical transaction when it set one (its definition, or a SET TRANSACTION); else null. */
    private volatile @Nullable IsolationLevel transactionIsolation;
    private volatile boolean autoCommit = true;
    /** The logical transaction: begun by the caller and not yet ended, whatever was sent. */
    private volatile boolean inTransaction;

    PgConnectionImpl(PgEngine engine, PgConnector connector, PgHost host) {
        this.engine = engine;
        this.connector = connector;
        this.host = host;
    }

    PgEngine engine() {
        return engine;
    }

    @Override
    public Flux<Result> exchange(String sql, @Nullable List<BindValue[]> bindings) {
        return Flux.defer(() -> {
            EventStream<Result> results = new EventStream<>(null);
            engine.submit(new Exchange(sql, bindings, results));
            return results;
        });
    }

    private Mono<Void> control(ControlCommand.Kind kind, String sql) {
        return Mono.create(sink -> engine.submit(new ControlCommand(kind, sql, sink)));
    }

    // ---- transactions ----

    @Override
    public Mono<Void> beginTransaction() {
        return Mono.defer(() -> {
            inTransaction = true;
            return control(ControlCommand.Kind.BEGIN, "BEGIN");
        });
    }

    @Override
    public Mono<Void> beginTransaction(TransactionDefinition definition) {
        Checks.notNull(definition, "definition must not be null");
        return Mono.defer(() -> {
            inTransaction = true;
            transactionIsolation = definition.getAttribute(TransactionDefinition.ISOLATION_LEVEL);
            return control(ControlCommand.Kind.BEGIN, beginSql(definition));
        });
    }

    static String beginSql(TransactionDefinition definition) {
        StringBuilder sql = new StringBuilder("BEGIN");
        IsolationLevel level = definition.getAttribute(TransactionDefinition.ISOLATION_LEVEL);
        if (level != null) {
            sql.append(" ISOLATION LEVEL ").append(level.asSql());
        }
        Boolean readOnly = definition.getAttribute(TransactionDefinition.READ_ONLY);
        if (readOnly != null) {
            sql.append(readOnly ? " READ ONLY" : " READ WRITE");
        }
        // a serializable read-only transaction may wait for a snapshot that can never fail to serialize
        Boolean deferrable = definition.getAttribute(DEFERRABLE);
        if (deferrable != null) {
            sql.append(deferrable ? " DEFERRABLE" : " NOT DEFERRABLE");
        }
        return sql.toString();
    }

    @Override
    public Mono<Void> commitTransaction() {
        return Mono.defer(() -> {
            inTransaction = false;
            transactionIsolation = null;
            return control(ControlCommand.Kind.END_TRANSACTION, "COMMIT");
        });
    }

    @Override
    public Mono<Void> rollbackTransaction() {
        return Mono.defer(() -> {
            inTransaction = false;
            transactionIsolation = null;
            return control(ControlCommand.Kind.END_TRANSACTION, "ROLLBACK");
        });
    }

    @Override
    public Mono<Void> createSavepoint(String name) {
        Checks.notNull(name, "name must not be null");
        return Mono.defer(() -> {
            Mono<Void> begin = Mono.empty();
            if (!inTransaction) {
                // a savepoint outside a transaction starts one (R2DBC)
                inTransaction = true;
                begin = control(ControlCommand.Kind.BEGIN, "BEGIN");
            }
            return begin.then(control(ControlCommand.Kind.IN_TRANSACTION, "SAVEPOINT " + quote(name)));
        });
    }

    @Override
    public Mono<Void> releaseSavepoint(String name) {
        Checks.notNull(name, "name must not be null");
        return control(ControlCommand.Kind.IN_TRANSACTION, "RELEASE SAVEPOINT " + quote(name));
    }

    @Override
    public Mono<Void> rollbackTransactionToSavepoint(String name) {
        Checks.notNull(name, "name must not be null");
        return control(ControlCommand.Kind.IN_TRANSACTION, "ROLLBACK TO SAVEPOINT " + quote(name));
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public boolean isAutoCommit() {
        return autoCommit && !inTransaction;
    }

    @Override
    public Mono<Void> setAutoCommit(boolean on) {
        return Mono.defer(() -> {
            // turning auto-commit on commits what is open (with it off, a transaction is always open or pending)
            Mono<Void> end = on && (inTransaction || !autoCommit) ? commitTransaction() : Mono.empty();
            autoCommit = on;
            return end.then(control(ControlCommand.Kind.AUTO_COMMIT, on ? "on" : "off"));
        });
    }

    @Override
    public IsolationLevel getTransactionIsolationLevel() {
        IsolationLevel t = transactionIsolation;
        return t != null ? t : sessionIsolation;
    }

    @Override
    public Mono<Void> setTransactionIsolationLevel(IsolationLevel level) {
        Checks.notNull(level, "level must not be null");
        return Mono.defer(() -> inTransaction || !autoCommit
                // in a transaction (begun or pending), the level is that transaction's alone, as r2dbc-postgresql
                // makes it: the session's would outlive the commit; the server refuses it after the first query
                ? control(ControlCommand.Kind.IN_TRANSACTION, "SET TRANSACTION ISOLATION LEVEL " + level.asSql())
                        .doOnSuccess(v -> transactionIsolation = level)
                : control(ControlCommand.Kind.PLAIN, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL "
                        + level.asSql()).doOnSuccess(v -> sessionIsolation = level));
    }

    @Override
    public Mono<Void> setStatementTimeout(Duration timeout) {
        Checks.notNull(timeout, "timeout must not be null");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("statement timeout must not be negative, was " + timeout);
        }
        return control(ControlCommand.Kind.PLAIN, "SET statement_timeout = " + timeout.toMillis());
    }

    @Override
    public Mono<Void> setLockWaitTimeout(Duration timeout) {
        Checks.notNull(timeout, "timeout must not be null");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("lock wait timeout must not be negative, was " + timeout);
        }
        return control(ControlCommand.Kind.PLAIN, "SET lock_timeout = " + timeout.toMillis());
    }

    // ---- statements ----

    @Override
    public Statement createStatement(String sql) {
        return new PgStatement(this, sql);
    }

    @Override
    public Batch createBatch() {
        return new PgBatch(this);
    }

    // ---- lifecycle and views ----

    @Override
    public Mono<Boolean> validate(ValidationDepth depth) {
        Checks.notNull(depth, "depth must not be null");
        if (depth == ValidationDepth.LOCAL || engine.isClosed()) {
            return Mono.fromSupplier(() -> !engine.isClosed());
        }
        return control(ControlCommand.Kind.PLAIN, "").thenReturn(true).onErrorReturn(false);
    }

    @Override
    public Mono<Void> close() {
        return Mono.create(sink -> {
            engine.channel.closeFuture().addListener(f -> sink.success());
            engine.loop.execute(engine::terminate);
        });
    }

    @Override
    public ConnectionMetadata getMetadata() {
        return new ConnectionMetadata() {
            @Override
            public String getDatabaseProductName() {
                return "PostgreSQL";
            }

            @Override
            public String getDatabaseVersion() {
                return engine.parameters.getOrDefault("server_version", "unknown");
            }
        };
    }

    @Override
    public PgTransactionStatus transactionStatus() {
        switch (engine.status) {
            case 'T':
                return PgTransactionStatus.IN_TRANSACTION;
            case 'E':
                return PgTransactionStatus.FAILED;
            default:
                return PgTransactionStatus.IDLE;
        }
    }

    @Override
    public boolean isIdleOutsideTransaction() {
        return engine.isQuiescent() && engine.status == 'I' && engine.tx() == PgEngine.Tx.NONE && !engine.isClosed();
    }

    @Override
    public boolean isQuiescent() {
        return engine.isQuiescent();
    }


    @Override
    public boolean isClosed() {
        return engine.isClosed();
    }

    @Override
    public Map<String, String> serverParameters() {
        return engine.parametersView();
    }

    @Override
    public PgHost host() {
        return host;
    }

    @Override
    public int processId() {
        return engine.processId;
    }

    @Override
    public Mono<Void> cancelRequest() {
        return connector.cancel(host, engine.processId, engine.secretKey);
    }

    @Override
    public String toString() {
        return "PgConnection{" + engine.hostPort + ", pid=" + engine.processId + ", status=" + engine.status + "}";
    }
}
