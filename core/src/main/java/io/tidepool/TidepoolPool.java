package io.tidepool;

import io.tidepool.stats.PoolStats;
import io.r2dbc.spi.Closeable;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.function.Function;

/**
 * A pool of PostgreSQL connections in which a connection is borrowed, checked, used and returned in one Reactor
 * pipeline, and returned exactly once whatever ends that pipeline: completion, error, timeout or cancellation.
 *
 * <pre>{@code
 * TidepoolPool pool = TidepoolPool.builder()
 *         .url("r2dbc:postgresql://app@db:5432/orders").name("orders")
 *         .maxSize(10).acquireTimeout(Duration.ofSeconds(2))
 *         .buildPool();
 * pool.start().block();                                   // optional: warm up, check the database answers
 * Flux<String> names = pool.withConnection(c -> Flux.from(c.createStatement("SELECT name FROM item").execute())
 *         .flatMap(r -> r.map((row, meta) -> row.get(0, String.class))));
 * Mono<Void> moved = pool.inTransaction(c -> ...).then();
 * pool.close().block();                                  // drain borrowed connections, close all
 * }</pre>
 *
 * <h2>Returning a connection</h2>
 * On return, a connection is reset: an open or failed transaction is rolled back (however it was begun:
 * {@code beginTransaction}, {@code setAutoCommit(false)}, a savepoint or SQL), and a changed isolation level,
 * statement timeout or lock timeout is restored. A connection that is already clean is returned with no round trip,
 * because the server reports its transaction status at the end of every exchange. A connection whose conversation
 * may still be in flight (its user cancelled or failed mid-result) is first brought to the end of that conversation
 * by one round trip; if that, or the reset, fails or times out, the connection is closed instead. A connection that
 * failed with a broken-connection error (I/O, SQLSTATE class 08, 57P01 to 57P03) is closed, never returned.
 *
 * <h2>Threads</h2>
 * Every method returns at once and never blocks; work happens on subscription. Signals arrive on the driver's
 * event-loop threads or on the configured {@link PoolConfiguration#scheduler() scheduler} (timeouts). Do not block
 * inside the functions given to {@link #withConnection} or {@link #inTransaction}.
 *
 * <h2>Errors</h2>
 * Errors the pool raises implement {@link io.tidepool.error.PoolException} and extend the R2DBC category a generic
 * handler expects: an acquire that waits longer than {@code acquireTimeout} fails with
 * {@link io.tidepool.error.PoolAcquireTimeoutException} (an {@link io.r2dbc.spi.R2dbcTimeoutException}), a full
 * waiting queue with {@link io.tidepool.error.PoolPendingLimitException}, a closed pool with
 * {@link io.tidepool.error.PoolClosedException}, connections that fail validation one after another with
 * {@link io.tidepool.error.PoolValidationException}, a {@code passwordSupplier} that gives no password with
 * {@link io.tidepool.error.CredentialsUnavailableException}. Using a connection after it went back to the pool is a
 * programming error: {@link io.tidepool.error.ConnectionReturnedException}, an {@link IllegalStateException} that is
 * a {@code PoolException} too. Errors from the database or driver, and from the caller's own code, are passed on
 * unchanged.
 *
 * <h2>As an R2DBC {@link ConnectionFactory}</h2>
 * {@link #create()} lends a connection that its user MUST close; closing it returns it to the pool (once: a second
 * close does nothing). After close, the methods of that connection that answer at once ({@code createStatement},
 * {@code isAutoCommit}, ...) throw {@link IllegalStateException}, and every publisher it gives (transactions,
 * savepoints, setters, {@code execute}) fails with it when subscribed, while {@code validate}'s answers
 * {@code false}. A publisher decides when it is subscribed, not when it is made: one made before close and
 * subscribed after fails (or, for {@code validate}, answers {@code false}) just the same. Spring's {@code DatabaseClient}, Spring Data R2DBC and jOOQ close what they
 * create, so they can use the pool unchanged.
 */
public interface TidepoolPool extends ConnectionFactory, Closeable {

    /** A builder for the pool's configuration: {@code TidepoolPool.builder().url(...).buildPool()}. */
    static PoolConfiguration.Builder builder() {
        return PoolConfiguration.builder();
    }

    /** A pool with this configuration, not started: it opens connections on demand until {@link #start()}. */
    static TidepoolPool create(PoolConfiguration configuration) {
        return Engine.newPool(configuration);
    }

    /**
     * The scoped form: builds and starts a pool, runs {@code work} with it, and closes the pool when the work
     * completes, fails or is cancelled. Nothing outlives the returned {@link Flux}.
     *
     * @param configuration the pool to build
     * @param work what to do with the started pool
     * @param <T> what the work emits
     */
    static <T> Flux<T> using(PoolConfiguration configuration,
                             Function<? super TidepoolPool, ? extends Publisher<T>> work) {
        return Flux.usingWhen(Mono.fromSupplier(() -> create(configuration)),
                pool -> pool.start().thenMany(Flux.defer(() -> work.apply(pool))),
                TidepoolPool::close, (pool, error) -> pool.close(), TidepoolPool::close);
    }

    /** The pool's name, as configured. */
    String name();

    /** The configuration the pool was built with. */
    PoolConfiguration configuration();

    /** Where the pool is in its lifecycle. */
    PoolState state();

    /**
     * Warms the pool up: opens {@code max(initialSize, minIdle, 1)} connections and checks each with a round trip.
     * A connection that fails its check is closed before the next attempt; attempts back off exponentially (100 ms
     * doubling to 5 s, with jitter) until {@code startTimeout}. A failure that retrying cannot mend (a wrong
     * password, an unknown database) fails at once. On failure, no connection opened by this start is left open and
     * the error is a {@link io.tidepool.error.PoolStartException}. Starting is optional: an unstarted pool opens
     * connections on demand. Starting a started pool completes at once.
     */
    Mono<Void> start();

    /**
     * Borrows a connection, runs {@code work} with it, and returns the connection when the returned {@link Flux}
     * terminates or is cancelled: exactly once, reset as described above. A connection idle for longer than
     * {@code validateAfterIdle} is checked first; one that fails the check is closed and another is tried, all within
     * {@code acquireTimeout}.
     *
     * <p>The connection given to {@code work} belongs to the pool: it is valid until the returned {@link Flux}
     * terminates, and closing it early returns it early.
     *
     * @param work what to do with the connection; called once per subscription
     * @param <T> what the work emits
     */
    <T> Flux<T> withConnection(Function<? super Connection, ? extends Publisher<T>> work);

    /**
     * Like {@link #withConnection}, with retries: when an attempt fails before emitting anything, with an error
     * whose category is {@link io.tidepool.error.ErrorCategory#retryable() retryable} (a broken connection, an
     * exhausted pool, a transaction conflict, a server out of resources), {@code work} runs again on a fresh
     * connection under {@code retry}. Use it only for work that is safe to run twice (idempotent): by calling it,
     * the caller declares that it is.
     */
    <T> Flux<T> withConnection(RetryPolicy retry, Function<? super Connection, ? extends Publisher<T>> work);

    /**
     * Runs {@code work} in a transaction: begins it, runs the work, commits, and then emits what the work emitted
     * (results of a transaction are only true once it has committed; they are held in memory until then, so stream
     * large results with {@link #withConnection} instead). If the work fails or the subscriber cancels, the
     * transaction is rolled back before the connection is returned. A transaction that loses a conflict (40001
     * serialization failure, 40P01 deadlock), in the work or at its commit, is run again, whole, on a fresh
     * transaction (and a newly acquired connection), under the configured {@link PoolConfiguration#transactionRetry()};
     * other failures fail the returned {@link Flux}, a commit that failed otherwise included (a broken connection at
     * commit leaves unknown whether it committed, so it is never retried).
     */
    <T> Flux<T> inTransaction(Function<? super Connection, ? extends Publisher<T>> work);

    /**
     * Lends a connection that the caller MUST close; closing it returns it to the pool. Prefer
     * {@link #withConnection}, which cannot forget. Cancelling before the connection is delivered returns it, and so
     * does a cancel that arrives just after the delivery, before the connection was used: a {@code timeout}
     * downstream that fired as the connection arrived drops it, and the pool takes it back. A subscriber that
     * cancels as it takes the connection ({@code take(1)}, {@code next()}) keeps it.
     */
    @Override
    Mono<Connection> create();

    /**
     * Closes the pool: new acquires fail at once with {@link io.tidepool.error.PoolClosedException}, waiting callers
     * fail with it too, borrowed connections are awaited until {@code closeTimeout} (then closed under their users),
     * and idle connections are closed. Idempotent: every call returns the same completion. Lazy: nothing happens
     * until subscription, and a subscription cannot be cancelled once the close has begun.
     */
    @Override
    Mono<Void> close();

    /**
     * Retires every connection open now, for a failover or a credential rotation: idle ones are closed at once (and
     * replaced by fresh ones), borrowed ones are closed when they come back instead of being reused. Completes when
     * the idle ones are closed. Connections opened after the call are not affected.
     */
    Mono<Void> evictAll();

    /** A snapshot of the pool's state and cumulative counts; cheap, never blocks. */
    PoolStats stats();

    /**
     * Adds a listener for the pool's events from now on; disposing the answer removes it. A pool with no listener
     * pays nothing for events.
     */
    reactor.core.Disposable addListener(PoolListener listener);
}
