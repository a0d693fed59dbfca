package io.tidepool.testing;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.ColumnMetadata;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.R2dbcType;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.Type;
import io.r2dbc.spi.ValidationDepth;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An in-memory {@link ConnectionFactory}: no network, no server. Two uses.
 *
 * <p><b>As it comes</b> ({@code new FakeConnectionFactory()}), for measuring a pool's own cost (the bench): connections
 * open at once, every exchange completes at once, {@code validate} answers true. A statement answers with one result
 * that updated one row and holds one row of one column ({@code 1}). The fake allocates nothing per exchange of its
 * own: BEGIN, COMMIT, ROLLBACK, close and validate answer with publishers made once per connection, a statement's
 * {@code execute} with one shared {@code Mono}, and the counts below are atomic increments on the connection's own
 * counters (only the setters that take a value, and BEGIN with an isolation level, make a publisher per call).
 *
 * <p><b>Scripted</b>, for deterministic pool tests: {@link #always} and {@link #next} make an {@link Exchange} (opening
 * a connection, a statement, BEGIN, COMMIT, ROLLBACK, a validation, a close) fail, complete after a delay on a given
 * (virtual-time) scheduler, or hang until the test releases it ({@link Gate}). A script is read when the exchange is
 * subscribed, not when its publisher is made.
 *
 * <p>Always, each connection tracks what a pool must get right: its transaction state ({@code isAutoCommit} is false
 * from {@code beginTransaction} or {@code setAutoCommit(false)} until COMMIT or ROLLBACK, by the API or as SQL), its
 * isolation level, and how many times each exchange ran on it, its closes included; the factory counts attempts,
 * creates and closes, and keeps every connection it made ({@link #connections()}).
 */
public final class FakeConnectionFactory implements ConnectionFactory {

    /** The kinds of exchange a test can script and count. */
    public enum Exchange {
        /** Opening a connection: {@link ConnectionFactory#create()}. */
        CREATE,
        /** A statement's {@code execute()}, other than BEGIN, COMMIT and ROLLBACK as SQL. */
        STATEMENT,
        /** {@code beginTransaction}, or a statement {@code BEGIN}/{@code START TRANSACTION}. */
        BEGIN,
        /** {@code commitTransaction}, or a statement {@code COMMIT}/{@code END}. */
        COMMIT,
        /** {@code rollbackTransaction}, or a statement {@code ROLLBACK} (how a pool resets a connection). */
        ROLLBACK,
        /** {@code validate}. */
        VALIDATE,
        /** {@code close}: the connection is counted closed when its close completes. */
        CLOSE,
        /** The setters: auto-commit, isolation, timeouts, and savepoints. */
        OTHER
    }

    private static final ConnectionFactoryMetadata METADATA = () -> "fake";
    private static final Exchange[] KINDS = Exchange.values();

    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong creates = new AtomicLong();
    private final AtomicLong closes = new AtomicLong();
    private final Queue<FakeConnection> connections = new ConcurrentLinkedQueue<>();
    private final Mono<Connection> opening = Mono.fromSupplier(this::open);
    private final Map<Exchange, Deque<Behavior>> once = new EnumMap<>(Exchange.class);
    private final Map<Exchange, Behavior> always = new EnumMap<>(Exchange.class);
    // read on every exchange: false until a test scripts something, and the fast path then reads nothing else
    private volatile boolean scripted;

    /** A fake whose every exchange completes at once, until scripted otherwise. */
    public FakeConnectionFactory() {
    }

    @Override
    public Publisher<? extends Connection> create() {
        if (!scripted) {
            attempts.incrementAndGet();
            return opening;
        }
        return Mono.defer(() -> {
            attempts.incrementAndGet();
            return around(Exchange.CREATE, opening);
        });
    }

    private Connection open() {
        FakeConnection connection = new FakeConnection(this);
        connections.add(connection);
        creates.incrementAndGet();
        return connection;
    }

    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return METADATA;
    }

    // ---- the script ----

    /** From now on every {@code kind} exchange behaves so (after any {@link #next} ones); replaces the last one set. */
    public FakeConnectionFactory always(Exchange kind, Behavior behavior) {
        Objects.requireNonNull(behavior, "behavior");
        synchronized (this) {
            always.put(kind, behavior);
        }
        scripted = true;
        return this;
    }

    /** The next {@code kind} exchanges behave so, one behaviour each, in order; then {@link #always}'s, or at once. */
    public FakeConnectionFactory next(Exchange kind, Behavior... behaviors) {
        synchronized (this) {
            Deque<Behavior> queue = once.computeIfAbsent(kind, k -> new ArrayDeque<>());
            for (Behavior b : behaviors) {
                queue.add(Objects.requireNonNull(b, "behavior"));
            }
        }
        scripted = true;
        return this;
    }

    /** Forgets the script: every exchange completes at once again. Counts are kept. */
    public FakeConnectionFactory reset() {
        synchronized (this) {
            once.clear();
            always.clear();
        }
        return this;
    }

    private synchronized Behavior behaviourOf(Exchange kind) {
        Deque<Behavior> queue = once.get(kind);
        Behavior next = queue == null ? null : queue.poll();
        if (next != null) {
            return next;
        }
        Behavior b = always.get(kind);
        return b != null ? b : Behavior.IMMEDIATE;
    }

    /** {@code answer}, as the script says the next {@code kind} exchange behaves; chosen on subscription. */
    <T> Mono<T> around(Exchange kind, Mono<T> answer) {
        return Mono.defer(() -> behaviourOf(kind).around(answer));
    }

    // ---- the counts ----

    /** How many times {@link #create()}'s publisher was subscribed (or, unscripted, asked for). */
    public long createAttempts() {
        return attempts.get();
    }

    /** Connections opened. */
    public long creates() {
        return creates.get();
    }

    /** Closes that completed, over all connections (a connection closed twice counts twice). */
    public long closes() {
        return closes.get();
    }

    /** Connections opened and not (yet) closed. */
    public int openConnections() {
        int open = 0;
        for (FakeConnection c : connections) {
            if (c.closes() == 0) {
                open++;
            }
        }
        return open;
    }

    /** Every connection this factory opened, oldest first. */
    public List<FakeConnection> connections() {
        return new ArrayList<>(connections);
    }

    /** How many {@code kind} exchanges completed, over all connections ({@link Exchange#CREATE}: {@link #creates()}). */
    public long count(Exchange kind) {
        if (kind == Exchange.CREATE) {
            return creates();
        }
        long sum = 0;
        for (FakeConnection c : connections) {
            sum += c.count(kind);
        }
        return sum;
    }

    /**
     * What a scripted exchange does. An exchange's own effect (a transaction begun, a connection counted open or
     * closed) happens only when it completes normally.
     */
    public abstract static class Behavior {

        static final Behavior IMMEDIATE = new Behavior() {
            @Override
            <T> Mono<T> around(Mono<T> answer) {
                return answer;
            }
        };

        Behavior() {
        }

        abstract <T> Mono<T> around(Mono<T> answer);

        /** Completes at once, as unscripted. */
        public static Behavior immediate() {
            return IMMEDIATE;
        }

        /** Fails at once with a fresh {@code error} each time. */
        public static Behavior fail(Supplier<? extends Throwable> error) {
            Objects.requireNonNull(error, "error");
            return new Behavior() {
                @Override
                <T> Mono<T> around(Mono<T> answer) {
                    return Mono.error(error);
                }
            };
        }

        /** Completes after {@code delay} on {@code scheduler} (a virtual-time scheduler in a deterministic test). */
        public static Behavior after(Duration delay, Scheduler scheduler) {
            return new Behavior() {
                @Override
                <T> Mono<T> around(Mono<T> answer) {
                    return Mono.delay(delay, scheduler).then(answer);
                }
            };
        }

        /** Fails with {@code error} after {@code delay} on {@code scheduler}. */
        public static Behavior failAfter(Duration delay, Scheduler scheduler, Supplier<? extends Throwable> error) {
            Objects.requireNonNull(error, "error");
            return new Behavior() {
                @Override
                <T> Mono<T> around(Mono<T> answer) {
                    return Mono.delay(delay, scheduler).then(Mono.error(error));
                }
            };
        }

        /** Hangs until the test opens the gate (or fails it); a gate serves any number of exchanges. */
        public static Gate hang() {
            return new Gate();
        }
    }

    /**
     * A behaviour that holds its exchanges until {@link #open()} lets them complete or {@link #fail} fails them, on
     * the calling thread; exchanges that arrive after either are answered at once. It counts the exchanges that
     * arrived, and those cancelled while held.
     */
    public static final class Gate extends Behavior {

        private final Sinks.Empty<Void> sink = Sinks.empty();
        private final AtomicInteger arrived = new AtomicInteger();
        private final AtomicInteger cancelled = new AtomicInteger();
        private final AtomicInteger passed = new AtomicInteger();

        Gate() {
        }

        @Override
        <T> Mono<T> around(Mono<T> answer) {
            return Mono.defer(() -> {
                arrived.incrementAndGet();
                return sink.asMono().then(Mono.defer(() -> {
                    passed.incrementAndGet();
                    return answer;
                })).doOnCancel(cancelled::incrementAndGet);
            });
        }

        /** Lets every held exchange complete, and every later one too; once opened or failed, it stays so. */
        public void open() {
            sink.tryEmitEmpty();
        }

        /** Fails every held exchange with {@code error}, and every later one too. */
        public void fail(Throwable error) {
            sink.tryEmitError(error);
        }

        /** Exchanges that reached the gate. */
        public int arrived() {
            return arrived.get();
        }

        /** Exchanges held here and then cancelled. */
        public int cancelled() {
            return cancelled.get();
        }

        /** Exchanges the gate let through after it opened. */
        public int passed() {
            return passed.get();
        }

        /** Exchanges held now: arrived, neither let through nor cancelled (nor failed). */
        public int held() {
            return sink.currentSubscriberCount();
        }
    }

    // ---- the connection ----

    /** One fake connection: its transaction state, and how often each exchange completed on it. */
    public static final class FakeConnection implements Connection {

        private static final ConnectionMetadata METADATA = new ConnectionMetadata() {
            @Override
            public String getDatabaseProductName() {
                return "fake";
            }

            @Override
            public String getDatabaseVersion() {
                return "0";
            }
        };

        private final FakeConnectionFactory factory;
        private final AtomicLongArray counts = new AtomicLongArray(KINDS.length);
        private volatile boolean autoCommit = true;
        private volatile IsolationLevel isolation = IsolationLevel.READ_COMMITTED;
        // one of each per connection, made when it opens: an exchange allocates nothing
        private final Mono<Void> begin = new Effect(this, Exchange.BEGIN);
        private final Mono<Void> commit = new Effect(this, Exchange.COMMIT);
        private final Mono<Void> rollback = new Effect(this, Exchange.ROLLBACK);
        private final Mono<Void> close = new Effect(this, Exchange.CLOSE);
        private final Mono<Void> other = new Effect(this, Exchange.OTHER);
        private final Mono<Boolean> valid = Mono.fromSupplier(this::validated);

        FakeConnection(FakeConnectionFactory factory) {
            this.factory = factory;
        }

        /** How many {@code kind} exchanges completed on this connection. */
        public long count(Exchange kind) {
            return counts.get(kind.ordinal());
        }

        /** How many closes completed on this connection: a pool closes each connection exactly once. */
        public long closes() {
            return count(Exchange.CLOSE);
        }

        /** Whether a transaction is open (begun, not yet committed or rolled back), as the server would say. */
        public boolean inTransaction() {
            return !autoCommit;
        }

        /** Runs {@code kind}'s effect: called when the exchange completes normally. */
        void happened(Exchange kind) {
            counts.incrementAndGet(kind.ordinal());
            switch (kind) {
                case BEGIN -> autoCommit = false;
                case COMMIT, ROLLBACK -> autoCommit = true;
                case CLOSE -> factory.closes.incrementAndGet();
                default -> {
                }
            }
        }

        private Boolean validated() {
            happened(Exchange.VALIDATE);
            return Boolean.TRUE;
        }

        private <T> Publisher<T> exchange(Exchange kind, Mono<T> answer) {
            return factory.scripted ? factory.around(kind, answer) : answer;
        }

        private Publisher<Void> effect(Exchange kind, Runnable effect) {
            return exchange(kind, Mono.fromRunnable(() -> {
                effect.run();
                happened(kind);
            }));
        }

        @Override
        public Publisher<Void> beginTransaction() {
            return exchange(Exchange.BEGIN, begin);
        }

        @Override
        public Publisher<Void> beginTransaction(TransactionDefinition definition) {
            IsolationLevel level = definition.getAttribute(TransactionDefinition.ISOLATION_LEVEL);
            if (level == null) {
                return beginTransaction();
            }
            return effect(Exchange.BEGIN, () -> isolation = level);
        }

        @Override
        public Publisher<Void> close() {
            return exchange(Exchange.CLOSE, close);
        }

        @Override
        public Publisher<Void> commitTransaction() {
            return exchange(Exchange.COMMIT, commit);
        }

        @Override
        public Batch createBatch() {
            throw new UnsupportedOperationException("the fake connection runs no batches");
        }

        @Override
        public Publisher<Void> createSavepoint(String name) {
            return exchange(Exchange.OTHER, other);
        }

        @Override
        public Statement createStatement(String sql) {
            return new FakeStatement(this, sql);
        }

        @Override
        public boolean isAutoCommit() {
            return autoCommit;
        }

        @Override
        public ConnectionMetadata getMetadata() {
            return METADATA;
        }

        @Override
        public IsolationLevel getTransactionIsolationLevel() {
            return isolation;
        }

        @Override
        public Publisher<Void> releaseSavepoint(String name) {
            return exchange(Exchange.OTHER, other);
        }

        @Override
        public Publisher<Void> rollbackTransaction() {
            return exchange(Exchange.ROLLBACK, rollback);
        }

        @Override
        public Publisher<Void> rollbackTransactionToSavepoint(String name) {
            return exchange(Exchange.OTHER, other);
        }

        @Override
        public Publisher<Void> setAutoCommit(boolean autoCommit) {
            return effect(Exchange.OTHER, () -> this.autoCommit = autoCommit);
        }

        @Override
        public Publisher<Void> setLockWaitTimeout(Duration timeout) {
            return exchange(Exchange.OTHER, other);
        }

        @Override
        public Publisher<Void> setStatementTimeout(Duration timeout) {
            return exchange(Exchange.OTHER, other);
        }

        @Override
        public Publisher<Void> setTransactionIsolationLevel(IsolationLevel level) {
            return effect(Exchange.OTHER, () -> isolation = level);
        }

        @Override
        public Publisher<Boolean> validate(ValidationDepth depth) {
            return exchange(Exchange.VALIDATE, valid);
        }

        @Override
        public String toString() {
            return "FakeConnection{autoCommit=" + autoCommit + ", closes=" + closes() + "}";
        }
    }

    /** An exchange that answers nothing and completes at once, with its effect: no allocation per subscription. */
    private static final class Effect extends Mono<Void> {

        private final FakeConnection connection;
        private final Exchange kind;

        Effect(FakeConnection connection, Exchange kind) {
            this.connection = connection;
            this.kind = kind;
        }

        @Override
        public void subscribe(CoreSubscriber<? super Void> actual) {
            connection.happened(kind);
            Operators.complete(actual);
        }
    }

    /** A statement that answers at once with {@link FakeResult#ONE}; BEGIN, COMMIT and ROLLBACK as SQL count as such. */
    private static final class FakeStatement implements Statement {

        private static final Mono<Result> ONE = Mono.just(FakeResult.ONE);

        private final FakeConnection connection;
        private final String sql;

        FakeStatement(FakeConnection connection, String sql) {
            this.connection = connection;
            this.sql = sql;
        }

        @Override
        public Statement add() {
            return this;
        }

        @Override
        public Statement bind(int index, Object value) {
            return this;
        }

        @Override
        public Statement bind(String name, Object value) {
            return this;
        }

        @Override
        public Statement bindNull(int index, Class<?> type) {
            return this;
        }

        @Override
        public Statement bindNull(String name, Class<?> type) {
            return this;
        }

        @Override
        public Publisher<? extends Result> execute() {
            Exchange kind = kindOf(sql);
            if (kind == Exchange.STATEMENT) {
                if (!connection.factory.scripted) {
                    connection.happened(Exchange.STATEMENT);
                    return ONE;
                }
                return connection.factory.around(kind, Mono.fromSupplier(() -> {
                    connection.happened(Exchange.STATEMENT);
                    return FakeResult.ONE;
                }));
            }
            return connection.exchange(kind, Mono.fromSupplier(() -> {
                connection.happened(kind);
                return FakeResult.ONE;
            }));
        }

        private static Exchange kindOf(String sql) {
            String s = sql.strip();
            if (starts(s, "ROLLBACK") || starts(s, "ABORT")) {
                return Exchange.ROLLBACK;
            }
            if (starts(s, "COMMIT") || starts(s, "END")) {
                return Exchange.COMMIT;
            }
            if (starts(s, "BEGIN") || starts(s, "START TRANSACTION")) {
                return Exchange.BEGIN;
            }
            return Exchange.STATEMENT;
        }

        private static boolean starts(String sql, String word) {
            return sql.regionMatches(true, 0, word, 0, word.length())
                    && (sql.length() == word.length() || !Character.isLetter(sql.charAt(word.length())));
        }
    }

    /** One row of one column holding {@code 1}, and one row updated. */
    static final class FakeResult implements Result, Row, RowMetadata, ColumnMetadata {

        static final FakeResult ONE = new FakeResult();

        private static final Integer VALUE = 1;

        @Override
        public Publisher<Long> getRowsUpdated() {
            return Mono.just(1L);
        }

        @Override
        public <T> Publisher<T> map(BiFunction<Row, RowMetadata, ? extends T> mappingFunction) {
            return Mono.fromSupplier(() -> mappingFunction.apply(this, this));
        }

        @Override
        public <T> Publisher<T> map(Function<? super Readable, ? extends T> mappingFunction) {
            return Mono.fromSupplier(() -> mappingFunction.apply(this));
        }

        @Override
        public Result filter(Predicate<Segment> filter) {
            return this;
        }

        @Override
        public <T> Publisher<T> flatMap(Function<Segment, ? extends Publisher<? extends T>> mappingFunction) {
            return Mono.empty();
        }

        @Override
        public <T> T get(int index, Class<T> type) {
            return type.cast(VALUE);
        }

        @Override
        public <T> T get(String name, Class<T> type) {
            return type.cast(VALUE);
        }

        @Override
        public RowMetadata getMetadata() {
            return this;
        }

        @Override
        public ColumnMetadata getColumnMetadata(int index) {
            return this;
        }

        @Override
        public ColumnMetadata getColumnMetadata(String name) {
            return this;
        }

        @Override
        public List<? extends ColumnMetadata> getColumnMetadatas() {
            return List.of(this);
        }

        @Override
        public Type getType() {
            return R2dbcType.INTEGER;
        }

        @Override
        public String getName() {
            return "value";
        }
    }
}
