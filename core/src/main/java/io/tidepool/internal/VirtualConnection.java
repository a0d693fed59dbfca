package io.tidepool.internal;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import io.tidepool.error.ConnectionReturnedException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The connection a borrower of a multiplexing pool sees. Its auto-commit statements run on the shared lane; the
 * first thing it does whose effect outlives one statement (a transaction, a setting, SQL that changes the session:
 * the {@link Pinning} rules) pins it, for the rest of its borrowing, to a connection of its own from the pool, where
 * everything it does from then on runs exactly as on a pooled connection. Returned once: the first of
 * {@code close()} and the end of its pipeline; then fenced off as a pooled connection is.
 */
final class VirtualConnection implements Connection {

    private final MultiplexedLane lane;
    private final io.tidepool.pg.PgLane.Route route;
    private final Supplier<Mono<Lease>> acquire;
    private final String poolName;
    private final Supplier<io.tidepool.stats.PoolStats> stats;
    // the pin, once asked for: one acquire however many callers ask, its lease kept for the release
    private volatile @Nullable Mono<Lease> pin;
    private volatile @Nullable Connection pinnedHandle;
    private volatile boolean returned;

    VirtualConnection(MultiplexedLane lane, Supplier<Mono<Lease>> acquire, String poolName,
                      Supplier<io.tidepool.stats.PoolStats> stats) {
        this.lane = lane;
        this.route = lane.route();
        this.acquire = acquire;
        this.poolName = poolName;
        this.stats = stats;
    }

    // ---- pinning ----

    /** The connection of its own, acquired the first time it is asked for. */
    private Mono<Connection> pinned() {
        Connection handle = pinnedHandle;
        if (handle != null) {
            return Mono.just(handle);
        }
        return pinLease().map(lease -> {
            Connection h = lease.handle();
            pinnedHandle = h;
            return h;
        });
    }

    private synchronized Mono<Lease> pinLease() {
        Mono<Lease> p = pin;
        if (p == null) {
            lane.pins.increment();
            lane.pinned.incrementAndGet();
            // cached: one acquire whatever happens to the callers waiting on it, so the release always finds the lease
            p = acquire.get().doOnError(e -> lane.pinned.decrementAndGet()).cache();
            p.subscribe(null, e -> { });
            pin = p;
        }
        return p;
    }

    /** Runs {@code work} on the pinned connection, pinning first. */
    private <T> Mono<T> onPinned(Function<Connection, Publisher<T>> work) {
        return Mono.defer(() -> {
            checkOpen();
            return pinned().flatMap(c -> Mono.from(work.apply(c)));
        });
    }

    /** Runs {@code work} on the pinned connection, pinning first; its many results. */
    <T> Flux<T> manyOnPinned(Function<Connection, Publisher<T>> work) {
        return Flux.defer(() -> {
            checkOpen();
            return pinned().flatMapMany(work);
        });
    }

    /** Whether this borrowing has moved to a connection of its own (or is moving there). */
    boolean isPinned() {
        return pin != null;
    }

    // ---- statements ----

    @Override
    public Statement createStatement(String sql) {
        checkOpen();
        Connection handle = pinnedHandle;
        if (handle != null) {
            return handle.createStatement(sql);
        }
        // the lane's statement checks the SQL and every binding as they come, whichever connection runs it
        Statement onLane = route.createStatement(sql);
        return new VirtualStatement(sql, onLane, Pinning.pinsStatement(sql), this);
    }

    @Override
    public Batch createBatch() {
        checkOpen();
        Connection handle = pinnedHandle;
        if (handle != null) {
            return handle.createBatch();
        }
        return new VirtualBatch(route, this::manyOnPinned, () -> pin != null);
    }

    // ---- what pins ----

    @Override
    public Mono<Void> beginTransaction() {
        return onPinned(Connection::beginTransaction);
    }

    @Override
    public Mono<Void> beginTransaction(TransactionDefinition definition) {
        return onPinned(c -> c.beginTransaction(definition));
    }

    @Override
    public Mono<Void> createSavepoint(String name) {
        return onPinned(c -> c.createSavepoint(name));
    }

    @Override
    public Mono<Void> setTransactionIsolationLevel(IsolationLevel isolationLevel) {
        return onPinned(c -> c.setTransactionIsolationLevel(isolationLevel));
    }

    @Override
    public Mono<Void> setStatementTimeout(Duration timeout) {
        return onPinned(c -> c.setStatementTimeout(timeout));
    }

    @Override
    public Mono<Void> setLockWaitTimeout(Duration timeout) {
        return onPinned(c -> c.setLockWaitTimeout(timeout));
    }

    @Override
    public Mono<Void> setAutoCommit(boolean autoCommit) {
        return Mono.defer(() -> {
            checkOpen();
            // turning auto-commit on where it is on already changes nothing: no pin for that
            return autoCommit && pin == null ? Mono.empty() : onPinned(c -> c.setAutoCommit(autoCommit));
        });
    }

    // ---- what ends a transaction: the pinned connection's, or nothing when there is none ----

    @Override
    public Mono<Void> commitTransaction() {
        return unlessUnpinned(Connection::commitTransaction);
    }

    @Override
    public Mono<Void> rollbackTransaction() {
        return unlessUnpinned(Connection::rollbackTransaction);
    }

    @Override
    public Mono<Void> releaseSavepoint(String name) {
        return onPinned(c -> c.releaseSavepoint(name));
    }

    @Override
    public Mono<Void> rollbackTransactionToSavepoint(String name) {
        return onPinned(c -> c.rollbackTransactionToSavepoint(name));
    }

    private Mono<Void> unlessUnpinned(Function<Connection, Publisher<Void>> work) {
        return Mono.defer(() -> {
            checkOpen();
            // no pin, no transaction: R2DBC's commit or rollback outside one does nothing
            return pin == null ? Mono.empty() : pinned().flatMap(c -> Mono.from(work.apply(c)));
        });
    }

    // ---- views ----

    @Override
    public boolean isAutoCommit() {
        checkOpen();
        Connection handle = pinnedHandle;
        return handle == null || handle.isAutoCommit();
    }

    @Override
    public IsolationLevel getTransactionIsolationLevel() {
        checkOpen();
        Connection handle = pinnedHandle;
        return handle == null ? IsolationLevel.READ_COMMITTED : handle.getTransactionIsolationLevel();
    }

    @Override
    public ConnectionMetadata getMetadata() {
        checkOpen();
        Connection handle = pinnedHandle;
        if (handle != null) {
            return handle.getMetadata();
        }
        return lane.anyConnection().<ConnectionMetadata>map(Connection::getMetadata).orElse(NO_SERVER_YET);
    }

    private static final ConnectionMetadata NO_SERVER_YET = new ConnectionMetadata() {
        @Override
        public String getDatabaseProductName() {
            return "PostgreSQL";
        }

        @Override
        public String getDatabaseVersion() {
            return "unknown";
        }
    };

    @Override
    public Mono<Boolean> validate(ValidationDepth depth) {
        return Mono.defer(() -> {
            if (returned) {
                return Mono.just(false);
            }
            Connection handle = pinnedHandle;
            if (handle != null) {
                return Mono.from(handle.validate(depth));
            }
            if (depth == ValidationDepth.LOCAL) {
                return Mono.just(lane.hasConnections());
            }
            return Flux.from(route.createStatement("SELECT 1").execute())
                    .flatMap(io.r2dbc.spi.Result::getRowsUpdated).then(Mono.just(true)).onErrorReturn(false);
        });
    }

    // ---- the return ----

    @Override
    public Mono<Void> close() {
        return release(SignalType.ON_COMPLETE, null);
    }

    /** Ends the borrowing, once: a pinned connection goes back by its lease's rules; the lane needs nothing. */
    Mono<Void> release(SignalType signal, @Nullable Throwable error) {
        return Mono.defer(() -> {
            Mono<Lease> p;
            synchronized (this) {
                if (returned) {
                    return Mono.empty();
                }
                returned = true;
                p = pin;
            }
            if (p == null) {
                return Mono.empty();
            }
            // a pin that failed was never counted as held (its acquire's error took it off)
            return p.flatMap(lease -> lease.release(signal, error)
                            .then(Mono.<Void>fromRunnable(lane.pinned::decrementAndGet)))
                    .onErrorResume(e -> Mono.empty());
        });
    }

    private void checkOpen() {
        if (returned) {
            throw new ConnectionReturnedException(poolName, "connection of pool '" + poolName + "' was already "
                    + "returned to the pool and must not be used any more", stats.get());
        }
    }

    @Override
    public String toString() {
        return "VirtualConnection{pool=" + poolName + (pin != null ? ", pinned" : ", multiplexed") + "}";
    }
}
