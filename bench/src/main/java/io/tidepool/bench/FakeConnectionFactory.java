package io.tidepool.bench;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * An in-memory {@link ConnectionFactory} for measuring a pool's own cost: connections open at once, every exchange
 * completes at once and empty, {@code isAutoCommit} is true and {@code validate} answers true. No network, no
 * allocation beyond the connection itself.
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
            throw new UnsupportedOperationException("the fake connection runs no statements");
        }

        @Override
        public Publisher<Void> createSavepoint(String name) {
            return Mono.empty();
        }

        @Override
        public Statement createStatement(String sql) {
            throw new UnsupportedOperationException("the fake connection runs no statements");
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
}
