package io.tidepool.blocking;

import io.r2dbc.spi.Connection;
import io.tidepool.TidepoolPool;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A blocking bridge for imperative callers (command-line tools, batch jobs, legacy code): runs a unit of work on a
 * {@link TidepoolPool} and waits for it, with a timeout. The work is the same reactive function
 * {@link TidepoolPool#withConnection} takes, so a connection is borrowed, used and returned by the pool's one
 * pipeline; only the waiting is blocking.
 *
 * <pre>{@code
 * BlockingPool orders = BlockingPool.of(pool);          // or registry.blocking("orders")
 * List<Long> count = orders.withConnection(c -> Flux.from(c.createStatement("SELECT count(*) FROM item").execute())
 *         .flatMap(r -> r.map((row, meta) -> row.get(0, Long.class))), Duration.ofSeconds(5));
 * }</pre>
 *
 * <h2>Threads</h2>
 * Call it only from a thread that may block: a {@code main} thread, a servlet or executor thread,
 * {@link Schedulers#boundedElastic()}. Called on a Reactor non-blocking thread ({@link Schedulers#parallel()}, a
 * Netty event loop, any thread for which {@link Schedulers#isInNonBlockingThread()} is true) it throws
 * {@link IllegalStateException} at once, before borrowing anything: blocking there would freeze an event loop, and
 * with it possibly the very connection being waited for. The work itself runs on the driver's threads; it must not
 * block.
 *
 * <h2>Timeout and cancellation</h2>
 * When {@code timeout} elapses the work is cancelled, which returns its connection to the pool (a query in flight
 * is ended first, or the connection is closed), and {@link BlockingTimeoutException} is thrown. The pool's own
 * {@code acquireTimeout} still bounds the wait for a connection. If the calling thread is interrupted while it
 * waits, the work is cancelled the same way and the interruption is rethrown wrapped in a {@link RuntimeException}.
 *
 * <h2>Errors</h2>
 * An error of the work, the driver or the pool is rethrown as it is when unchecked (R2DBC exceptions are);
 * a checked one is wrapped by Reactor in a {@link RuntimeException}.
 *
 * <p>Instances are immutable and thread-safe: share one per pool.
 */
public final class BlockingPool {

    private final TidepoolPool pool;

    private BlockingPool(TidepoolPool pool) {
        this.pool = pool;
    }

    /** A blocking bridge to {@code pool}; cheap, holds nothing but the pool. */
    public static BlockingPool of(TidepoolPool pool) {
        return new BlockingPool(Objects.requireNonNull(pool, "pool"));
    }

    /** The pool the work runs on. */
    public TidepoolPool pool() {
        return pool;
    }

    /**
     * Borrows a connection, runs {@code work} with it and waits until the work completes, at most {@code timeout}.
     *
     * @param work what to do with the connection, as for {@link TidepoolPool#withConnection}
     * @param timeout the most this call waits, borrowing included; positive
     * @param <T> what the work emits
     * @return every item the work emitted, in order; empty if none
     * @throws IllegalStateException if called on a non-blocking thread
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws BlockingTimeoutException if the work did not finish within {@code timeout}
     */
    public <T> List<T> withConnection(Function<? super Connection, ? extends Publisher<T>> work, Duration timeout) {
        Objects.requireNonNull(work, "work");
        return await("withConnection", timeout, () -> pool.withConnection(work));
    }

    /**
     * Like {@link #withConnection}, inside a transaction, as for {@link TidepoolPool#inTransaction}: committed when the
     * work completes, rolled back when it fails or times out.
     *
     * @throws IllegalStateException if called on a non-blocking thread
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws BlockingTimeoutException if the work did not finish within {@code timeout} (it was rolled back)
     */
    public <T> List<T> inTransaction(Function<? super Connection, ? extends Publisher<T>> work, Duration timeout) {
        Objects.requireNonNull(work, "work");
        return await("inTransaction", timeout, () -> pool.inTransaction(work));
    }

    private <T> List<T> await(String method, Duration timeout, java.util.function.Supplier<Flux<T>> work) {
        if (Schedulers.isInNonBlockingThread()) {
            // refuse before borrowing: blocking here could wait forever for the very event loop we would freeze
            throw new IllegalStateException("BlockingPool." + method + " on pool '" + pool.name()
                    + "' must not be called on the non-blocking thread '" + Thread.currentThread().getName()
                    + "': waiting there would freeze an event loop; compose pool.withConnection(...) reactively, "
                    + "or call from a thread that may block (e.g. Schedulers.boundedElastic())");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        List<T> items = Flux.defer(work).collectList()
                // the timeout cancels the work, and cancelling is what returns the connection
                .timeout(timeout, Mono.error(() -> new BlockingTimeoutException(pool.name(), timeout)),
                        pool.configuration().scheduler())
                .block();
        return items == null ? List.of() : items;
    }
}
