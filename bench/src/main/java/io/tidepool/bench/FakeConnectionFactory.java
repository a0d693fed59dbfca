package io.tidepool.bench;

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
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An in-memory {@link ConnectionFactory} for measuring a pool's own cost: connections open at once, every exchange
 * completes at once, {@code isAutoCommit} is true and {@code validate} answers true. A statement answers with one
 * result that updated one row and holds one row of one column ({@code 1}). No network, and nothing allocated per
 * exchange beyond the publishers themselves.
 */
public final class FakeConnectionFactory implements ConnectionFactory {

    private static final ConnectionFactoryMetadata METADATA = () -> "fake";

    @Override
    public Publisher<? extends Connection> create() {
        return Mono.fromSupplier(FakeConnection::new);
    }

    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return METADATA;
    }

    /** A connection whose every exchange completes at once. */
    static final class FakeConnection implements Connection {

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

        @Override
        public Publisher<Void> beginTransaction() {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> beginTransaction(TransactionDefinition definition) {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> close() {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> commitTransaction() {
            return Mono.empty();
        }

        @Override
        public Batch createBatch() {
            throw new UnsupportedOperationException("the fake connection runs no batches");
        }

        @Override
        public Publisher<Void> createSavepoint(String name) {
            return Mono.empty();
        }

        @Override
        public Statement createStatement(String sql) {
            return new FakeStatement();
        }

        @Override
        public boolean isAutoCommit() {
            return true;
        }

        @Override
        public ConnectionMetadata getMetadata() {
            return METADATA;
        }

        @Override
        public IsolationLevel getTransactionIsolationLevel() {
            return IsolationLevel.READ_COMMITTED;
        }

        @Override
        public Publisher<Void> releaseSavepoint(String name) {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> rollbackTransaction() {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> rollbackTransactionToSavepoint(String name) {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> setAutoCommit(boolean autoCommit) {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> setLockWaitTimeout(Duration timeout) {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> setStatementTimeout(Duration timeout) {
            return Mono.empty();
        }

        @Override
        public Publisher<Void> setTransactionIsolationLevel(IsolationLevel level) {
            return Mono.empty();
        }

        @Override
        public Publisher<Boolean> validate(ValidationDepth depth) {
            return Mono.just(true);
        }
    }

    /** A statement that answers at once with {@link FakeResult#ONE}. */
    static final class FakeStatement implements Statement {

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
            return Mono.just(FakeResult.ONE);
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
