package io.tidepool.bench;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.FakeConnectionFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolBuilder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One acquire → release cycle per operation, on an in-memory {@link FakeConnectionFactory}: the cost of the pool
 * itself. In {@link #acquireRelease()} the number of concurrent borrowers is JMH's thread count ({@code -t 1,8}, set by
 * {@link Bench}); each borrower blocks on its cycle, so a borrower that finds the pool empty parks until another
 * returns a connection. {@link #burst()} has {@value #BURST} borrowings in flight on one thread, as a reactive caller
 * has them: most wait in the pool's queue, and each return hands its connection to the next.
 *
 * <p>Every contender runs the same scoped idiom: Tidepool's {@code withConnection}, r2dbc-pool's README idiom
 * ({@code usingWhen(pool.create(), work, Connection::close)}), reactor-pool's {@code withPoolable}. Tidepool runs with
 * its defaults, validation included: connections here are never idle for 500 ms, so none is validated, which is also
 * what happens on a busy pool over a real database. r2dbc-pool validates on every acquire (its default depth is
 * {@code LOCAL}, which the fake answers at once).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PoolOverheadBenchmark {

    /**
     * The pools measured; the names are the table's row labels. {@code tidepool@baseline} is another Tidepool build,
     * from the core jar the system property {@code tidepool.baseline} names (see {@link BaselineTidepool}).
     */
    @Param({"tidepool", "r2dbc-pool", "reactor-pool"})
    public String pool;

    /** The pool's maximum size. */
    @Param({"1", "10", "50"})
    public int size;

    /** Borrowings in flight at once in {@link #burst()}. */
    static final int BURST = 64;

    // one borrowing whose work is the given Mono; acquireRelease's cycle is the same with nothing to do
    private Function<Mono<Void>, Mono<?>> cycleWith = work -> Mono.empty();
    private Mono<?> cycle = Mono.empty();
    private Runnable close = () -> { };

    @Setup(Level.Trial)
    public void open() {
        FakeConnectionFactory factory = new FakeConnectionFactory();
        switch (pool) {
            case "tidepool" -> {
                TidepoolPool tidepool = TidepoolPool.builder().connectionFactory(factory).name("bench")
                        .maxSize(size).buildPool();
                cycleWith = work -> tidepool.withConnection(c -> work).next();
                close = () -> tidepool.close().block(Duration.ofSeconds(30));
            }
            case "tidepool@baseline" -> {
                Contender.Pool baseline = BaselineTidepool.open(Path.of(System.getProperty("tidepool.baseline")),
                        factory, "bench-baseline", size);
                cycleWith = work -> baseline.withConnection(c -> work).next();
                close = () -> baseline.close().block(Duration.ofSeconds(30));
            }
            case "r2dbc-pool" -> {
                ConnectionPool r2dbc = new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                        .initialSize(0).maxSize(size).build());
                cycleWith = work -> Flux.usingWhen(r2dbc.create(), c -> work, Connection::close,
                        (c, e) -> c.close(), Connection::close).next();
                close = () -> r2dbc.disposeLater().block(Duration.ofSeconds(30));
            }
            case "reactor-pool" -> {
                InstrumentedPool<Connection> reactor = PoolBuilder
                        .from(Mono.from(factory.create()).map(Connection.class::cast))
                        .sizeBetween(0, size)
                        .buildPool();
                cycleWith = work -> reactor.withPoolable(c -> work).next();
                close = () -> reactor.disposeLater().block(Duration.ofSeconds(30));
            }
            default -> throw new IllegalArgumentException("unknown pool " + pool);
        }
        cycle = cycleWith.apply(Mono.empty());
    }

    @TearDown(Level.Trial)
    public void close() {
        close.run();
    }

    /** Borrow a connection, do nothing with it, give it back. */
    @Benchmark
    public Object acquireRelease() {
        return cycle.block();
    }

    /**
     * {@value #BURST} borrowers at once: each borrows, waits for a shared gate, gives the connection back. All are
     * subscribed before the gate opens, so the pool holds as many as it has connections and queues the rest; opening
     * it returns the first connections, each return hands its connection to the oldest waiter, whose work (the gate,
     * now open) ends at once. One operation is one borrowing; all on this thread, so the queue, not thread wake-ups,
     * is what is measured (blocking JMH threads stall reactor-pool at this count: see {@link Overhead}).
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public void burst() throws Exception {
        Sinks.Empty<Void> gate = Sinks.empty();
        Mono<?> one = cycleWith.apply(gate.asMono());
        // subscribed now, so that every borrower holds a connection or waits for one when the gate opens
        CompletableFuture<Void> all = Flux.range(0, BURST).flatMap(i -> one, BURST).then().toFuture();
        gate.tryEmitEmpty();
        all.get(30, TimeUnit.SECONDS);
    }
}
