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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolBuilder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One end-to-end request per operation, the end-to-end workloads' own code ({@link Workload}), on the in-memory
 * {@link FakeConnectionFactory}: what the pool adds to a request (acquire, the tracked connection, statements and
 * results, transaction handling, release) without the driver and the network, whose cost would drown it. Pool size
 * 10. {@code no pool} runs the same work on one connection directly: the floor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PoolWorkBenchmark {

    /** The pools measured, as in {@link PoolOverheadBenchmark}, plus {@code no pool}. */
    @Param({"tidepool", "r2dbc-pool", "reactor-pool", "no pool"})
    public String pool;

    /** {@code SELECT_1} or {@code TRANSACTION}. */
    @Param({"SELECT_1", "TRANSACTION"})
    public String work;

    private Mono<Void> request = Mono.empty();
    private Runnable close = () -> { };

    @Setup(Level.Trial)
    public void open() {
        FakeConnectionFactory factory = new FakeConnectionFactory();
        Workload workload = Workload.valueOf(work);
        boolean transaction = workload == Workload.TRANSACTION;
        switch (pool) {
            case "tidepool" -> {
                TidepoolPool tidepool = TidepoolPool.builder().connectionFactory(factory).name("bench").maxSize(10)
                        .buildPool();
                request = (transaction ? tidepool.inTransaction(workload::body) : tidepool.withConnection(workload::body))
                        .then();
                close = () -> tidepool.close().block(Duration.ofSeconds(30));
            }
            case "tidepool@baseline" -> {
                Contender.Pool baseline = BaselineTidepool.open(Path.of(System.getProperty("tidepool.baseline")),
                        factory, "bench-baseline", 10);
                request = (transaction ? baseline.inTransaction(workload::body) : baseline.withConnection(workload::body))
                        .then();
                close = () -> baseline.close().block(Duration.ofSeconds(30));
            }
            case "r2dbc-pool" -> {
                ConnectionPool r2dbc = new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                        .initialSize(0).maxSize(10).build());
                request = Flux.usingWhen(r2dbc.create(), c -> inTransaction(c, workload), Connection::close,
                        (c, e) -> c.close(), Connection::close).then();
                close = () -> r2dbc.disposeLater().block(Duration.ofSeconds(30));
            }
            case "reactor-pool" -> {
                InstrumentedPool<Connection> reactor = PoolBuilder
                        .from(Mono.from(factory.create()).map(Connection.class::cast))
                        .sizeBetween(0, 10)
                        .buildPool();
                request = reactor.withPoolable(c -> inTransaction(c, workload)).then();
                close = () -> reactor.disposeLater().block(Duration.ofSeconds(30));
            }
            case "no pool" -> {
                Connection connection = Mono.from(factory.create()).cast(Connection.class).block();
                request = Mono.defer(() -> inTransaction(connection, workload));
            }
            default -> throw new IllegalArgumentException("unknown pool " + pool);
        }
    }

    /** The work, in BEGIN … COMMIT for the transaction, as the end-to-end contenders without Tidepool run it. */
    private static Mono<Void> inTransaction(Connection c, Workload workload) {
        return workload == Workload.TRANSACTION
                ? Mono.from(c.beginTransaction()).then(workload.body(c)).then(Mono.defer(() -> Mono.from(c.commitTransaction())))
                : workload.body(c);
    }

    @TearDown(Level.Trial)
    public void close() {
        close.run();
    }

    /** One request: borrow, run the work, give back. */
    @Benchmark
    public Object request() {
        return request.block();
    }
}
