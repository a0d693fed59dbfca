package io.tidepool.bench;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.stats.PoolStats;
import io.tidepool.TidepoolPool;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** A way of running requests against the server: a pool, or the bare driver on dedicated connections. */
interface Contender extends AutoCloseable {

    Duration CLOSE_WITHIN = Duration.ofSeconds(30);

    /** The name in the tables. */
    String name();

    /** How many virtual clients it runs when asked for {@code requested} requests in flight. */
    default int clients(int requested) {
        return requested;
    }

    /** One request; calls {@link Client#acquired()} when it has its connection. */
    Mono<Void> execute(Workload workload, Client client);

    /** Connections the pool closed instead of returning since the last call, when it says; else -1. */
    default long discardsSinceLast() {
        return -1;
    }

    /** Connections borrowed now (after a run: leaked if not 0), when the pool says; else -1. */
    default long borrowedNow() {
        return -1;
    }

    /** Opens the connections it keeps, so that no run pays for opening them. */
    void warm(int connections);

    @Override
    void close();

    /** What the bench uses of a Tidepool pool, this build's or another's ({@link BaselineTidepool}). */
    interface Pool {
        Flux<?> withConnection(Function<Connection, Publisher<?>> work);

        Flux<?> inTransaction(Function<Connection, Publisher<?>> work);

        Mono<?> start();

        Mono<?> close();

        long discards();

        long acquired();
    }

    /**
     * Tidepool with its defaults (validation after 500 ms idle, reset on return), only the size set, and the whole
     * pool opened by {@code start()} as r2dbc-pool's is by its warm-up ({@code initialSize}).
     */
    static Contender tidepool(Target target, int size) {
        return tidepool("tidepool", TidepoolPool.builder().url(target.r2dbcUrl("")).name("bench-tidepool")
                .maxSize(size).initialSize(size).buildPool());
    }

    /**
     * Tidepool as a URL user gets it: {@code ConnectionFactories.get("r2dbc:tidepool:postgresql://...")}, never
     * started, connections opened on demand; {@code client} names the protocol client.
     */
    static Contender tidepoolUrl(String name, Target target, int size, String client) {
        return tidepoolUrl(name, target, size, client, "");
    }

    /** As {@link #tidepoolUrl(String, Target, int, String)}, with more URL options ({@code &key=value...}). */
    static Contender tidepoolUrl(String name, Target target, int size, String client, String moreOptions) {
        String url = target.r2dbcUrl("maxSize=" + size + "&name=bench-" + name.replace(' ', '-') + "&client=" + client
                        + moreOptions)
                .replace("r2dbc:postgresql:", "r2dbc:tidepool:postgresql:");
        return tidepool(name, (TidepoolPool) io.r2dbc.spi.ConnectionFactories.get(url));
    }

    private static Contender tidepool(String name, TidepoolPool pool) {
        return tidepool(name, new Pool() {
            @Override
            @SuppressWarnings({"unchecked", "rawtypes"})
            public Flux<?> withConnection(Function<Connection, Publisher<?>> work) {
                return pool.withConnection((Function) work);
            }

            @Override
            @SuppressWarnings({"unchecked", "rawtypes"})
            public Flux<?> inTransaction(Function<Connection, Publisher<?>> work) {
                return pool.inTransaction((Function) work);
            }

            @Override
            public Mono<?> start() {
                return pool.start();
            }

            @Override
            public Mono<?> close() {
                return pool.close();
            }

            @Override
            public long discards() {
                return pool.stats().discards();
            }

            @Override
            public long acquired() {
                PoolStats stats = pool.stats();
                return stats.acquired();
            }
        });
    }

    /** Another build of Tidepool (its core jar), with the same settings: a change's before, in the same run. */
    static Contender tidepoolBaseline(Target target, int size, Path coreJar) {
        return tidepool("tidepool@baseline", BaselineTidepool.open(coreJar, target.r2dbcUrl(""),
                "bench-tidepool-baseline", size));
    }

    private static Contender tidepool(String name, Pool pool) {
        return new Contender() {
            private long lastDiscards;

            @Override
            public String name() {
                return name;
            }

            @Override
            public Mono<Void> execute(Workload workload, Client client) {
                return switch (workload) {
                    case SELECT_1, LOOKUP, SLOW_MIX -> pool.withConnection(c -> {
                        client.acquired();
                        return workload.body(c);
                    }).then();
                    case TRANSACTION -> pool.inTransaction(c -> {
                        client.acquired();
                        return workload.body(c);
                    }).then();
                };
            }

            @Override
            public long discardsSinceLast() {
                long now = pool.discards();
                long delta = now - lastDiscards;
                lastDiscards = now;
                return delta;
            }

            @Override
            public long borrowedNow() {
                return pool.acquired();
            }

            @Override
            public void warm(int connections) {
                pool.start().block(CLOSE_WITHIN);
                Flux.range(0, connections * 4).flatMap(i -> pool.withConnection(Workload.SELECT_1::body),
                        connections * 4).blockLast(CLOSE_WITHIN);
            }

            @Override
            public void close() {
                pool.close().block(CLOSE_WITHIN);
            }
        };
    }

    /**
     * r2dbc-pool 1.0.2 with its defaults, only the size set: it validates every acquire, with
     * {@code Connection.validate(LOCAL)} (no round trip) or, when given, the {@code validationQuery} (a round trip).
     * Used as its README says: {@code usingWhen(pool.create(), work, Connection::close)}; its close rolls back a
     * transaction begun through the connection.
     */
    static Contender r2dbcPool(Target target, int size, String validationQuery) {
        ConnectionFactory driver = ConnectionFactories.get(target.r2dbcUrl(""));
        ConnectionPoolConfiguration.Builder config = ConnectionPoolConfiguration.builder(driver)
                .name("bench-r2dbc-pool").initialSize(size).maxSize(size)
                // the same bound on waiting as Tidepool's default, so a stuck pool fails requests, not the run
                .maxAcquireTime(Duration.ofSeconds(10));
        if (validationQuery != null) {
            config.validationQuery(validationQuery);
        }
        ConnectionPool pool = new ConnectionPool(config.build());
        String name = validationQuery == null ? "r2dbc-pool" : "r2dbc-pool+validationQuery";
        return new Contender() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Mono<Void> execute(Workload workload, Client client) {
                return Flux.usingWhen(pool.create(), c -> {
                    client.acquired();
                    return switch (workload) {
                        case SELECT_1, LOOKUP, SLOW_MIX -> workload.body(c);
                        case TRANSACTION -> Mono.from(c.beginTransaction())
                                .then(workload.body(c))
                                .then(Mono.defer(() -> Mono.from(c.commitTransaction())));
                    };
                }, Connection::close, (c, e) -> c.close(), Connection::close).then();
            }

            @Override
            public long borrowedNow() {
                return pool.getMetrics().map(m -> (long) m.acquiredSize()).orElse(-1L);
            }

            @Override
            public void warm(int connections) {
                pool.warmup().block(CLOSE_WITHIN);
                Flux.range(0, connections * 4).flatMap(i -> Flux.usingWhen(pool.create(), Workload.SELECT_1::body,
                        Connection::close), connections * 4).blockLast(CLOSE_WITHIN);
            }

            @Override
            public void close() {
                pool.disposeLater().block(CLOSE_WITHIN);
            }
        };
    }

    /**
     * The bare r2dbc-postgresql driver, no pool: {@code connections} dedicated connections, each used by one client
     * that sends one request at a time (as pgbench does). The bound for any pool over this driver: nothing is
     * acquired, validated or returned. The connections are opened one after another, so they share one event loop.
     */
    static Contender bare(Target target, int connections) {
        return bare(target, connections, false);
    }

    /**
     * As {@link #bare(Target, int)}, with {@code spread}: the connections opened all at once from threads that are not
     * event loops, so reactor-netty spreads them over its event loops (as a pool opening connections on demand does),
     * where opened one after another each lands on the previous one's event loop and all share one.
     */
    static Contender bare(Target target, int connections, boolean spread) {
        PostgresqlConnectionFactory driver = new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
                .host(target.host()).port(target.port()).database(target.database()).username(target.user())
                .password(target.password().isEmpty() ? null : target.password()).applicationName("bench-bare")
                .build());
        List<Connection> open = (spread
                ? Flux.range(0, connections).flatMap(i -> Mono.from(driver.create())
                        .subscribeOn(Schedulers.boundedElastic()))
                : Flux.range(0, connections).concatMap(i -> driver.create()))
                .cast(Connection.class).collectList().block(CLOSE_WITHIN);
        return dedicated(spread ? "bare driver spread" : "bare driver", open);
    }

    /**
     * Tidepool's own client ({@code pg-client}) with no pool: {@code connections} dedicated connections, one client
     * each, on the client's event loops (one per core, taken in turn). Beside {@code tidepool native}, what the pool
     * costs over its client.
     */
    static Contender bareNative(Target target, int connections) {
        io.tidepool.pg.PgConnectionFactory client = new io.tidepool.pg.PgConnectionFactory(
                io.tidepool.pg.PgConnectionConfiguration.builder()
                        .host(target.host()).port(target.port()).database(target.database()).user(target.user())
                        .password(target.password().isEmpty() ? null : target.password())
                        .applicationName("bench-bare-native").build());
        List<Connection> open = Flux.range(0, connections).concatMap(i -> client.create())
                .cast(Connection.class).collectList().block(CLOSE_WITHIN);
        return dedicated("bare native", open);
    }

    private static Contender dedicated(String name, List<Connection> open) {
        return new Contender() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int clients(int requested) {
                return open.size();
            }

            @Override
            public Mono<Void> execute(Workload workload, Client client) {
                Connection c = open.get(client.index);
                client.acquired();
                return switch (workload) {
                    case SELECT_1, LOOKUP, SLOW_MIX -> workload.body(c);
                    case TRANSACTION -> Mono.from(c.beginTransaction())
                            .then(workload.body(c))
                            .then(Mono.defer(() -> Mono.from(c.commitTransaction())))
                            .onErrorResume(e -> Mono.from(c.rollbackTransaction()).onErrorResume(x -> Mono.empty())
                                    .then(Mono.error(e)));
                };
            }

            @Override
            public void warm(int count) {
                // opened in the constructor
            }

            @Override
            public void close() {
                Flux.fromIterable(open).flatMap(Connection::close).blockLast(CLOSE_WITHIN);
            }
        };
    }
}
