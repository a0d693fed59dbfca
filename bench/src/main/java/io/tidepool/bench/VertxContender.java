package io.tidepool.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Vert.x PostgreSQL client 5 as a peer, end to end only, on the same server, pool size and requests in flight as
 * the others, with its prepared-statement cache on in both rows ({@code setCachePreparedStatements(true)}: a statement
 * is prepared once per connection, then each execution sends Bind/Execute/Sync), so both run every statement prepared,
 * as {@code pgbench -M prepared} does. One {@link Vertx} per contender with its defaults (2 event loops per core,
 * NIO transport).
 *
 * <ul>
 *   <li>{@link #pooled}: {@code PgBuilder.pool()} with {@code maxSize} = the pool size; {@code SELECT 1} is
 *       {@code pool.preparedQuery(...).execute()} (the pool lends a connection for the one statement), the
 *       transaction {@code pool.withTransaction(...)} (BEGIN, then the two statements, then COMMIT: four round
 *       trips, each waited for).</li>
 *   <li>{@link #pipelined}: {@code SELECT 1} on {@code PgBuilder.client()}, Vert.x's pipelined client: up to the
 *       pool size connections, each carrying up to {@code pipeliningLimit} (256, the default) statements in flight,
 *       written without waiting for the answers before them. That client lends no connection, so it cannot run a
 *       transaction; the transaction runs on the pool size's dedicated {@link PgConnection}s instead, which pipeline
 *       the same way: each request sends BEGIN, UPDATE, SELECT and COMMIT back to back on connection
 *       {@code client % size}, in one task on that connection's event loop so that no other request's statements
 *       fall between them, and several requests' transactions follow each other on a connection without waiting.
 *       Not safe as an application pattern: if BEGIN failed, the UPDATE would run and commit on its own (it is what
 *       pipelining one-shot statements gives, and what Tidepool's own client must do better).</li>
 * </ul>
 */
final class VertxContender {

    static final String POOLED = "vertx pool";
    static final String PIPELINED = "vertx pipelined";

    private VertxContender() {
    }

    private static PgConnectOptions connectOptions(Target target, String application) {
        PgConnectOptions options = new PgConnectOptions().setHost(target.host()).setPort(target.port())
                .setDatabase(target.database()).setUser(target.user())
                .setCachePreparedStatements(true);
        if (!target.password().isEmpty()) {
            options.setPassword(target.password());
        }
        options.setProperties(Map.of("application_name", application));
        return options;
    }

    private static int anAccount() {
        return ThreadLocalRandom.current().nextInt(1, Workload.ACCOUNTS + 1);
    }

    /** {@code PgBuilder.pool()}, {@code maxSize} = {@code size}. */
    static Contender pooled(Target target, int size) {
        Vertx vertx = Vertx.vertx();
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(size).setName("bench-vertx-pool"))
                .connectingTo(connectOptions(target, "bench-vertx-pool")).using(vertx).build();
        return new Base(POOLED, vertx) {
            @Override
            public Mono<Void> execute(Workload workload, Client client) {
                return switch (workload) {
                    case SELECT_1 -> mono(() -> pool.preparedQuery("SELECT 1").execute().map(VertxContender::read));
                    case SLOW_MIX -> Mono.error(new UnsupportedOperationException("the slow mix runs on the lane only"));
                    case LOOKUP -> mono(() -> pool.preparedQuery(Workload.SELECT).execute(Tuple.of(anAccount()))
                            .map(VertxContender::read));
                    case TRANSACTION -> mono(() -> pool.withTransaction(c -> {
                        client.acquired();
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        int aid = random.nextInt(1, Workload.ACCOUNTS + 1);
                        int delta = random.nextInt(-5000, 5001);
                        return c.preparedQuery(Workload.UPDATE).execute(Tuple.of(delta, aid))
                                .compose(u -> c.preparedQuery(Workload.SELECT).execute(Tuple.of(aid)))
                                .map(VertxContender::read);
                    }));
                };
            }

            @Override
            public void warm(int connections) {
                // the pool opens connections on demand: as many requests at once as it has connections, a few times
                for (int i = 0; i < 4; i++) {
                    List<Future<?>> all = new ArrayList<>();
                    for (int k = 0; k < connections * 4; k++) {
                        all.add(pool.preparedQuery("SELECT 1").execute());
                    }
                    await(Future.all(all));
                }
            }

            @Override
            void closeClients() {
                await(pool.close());
            }
        };
    }

    /** {@code PgBuilder.client()} (pipelined) for {@code SELECT 1}; {@code size} dedicated connections for the transaction. */
    static Contender pipelined(Target target, int size) {
        Vertx vertx = Vertx.vertx();
        PgConnectOptions options = connectOptions(target, "bench-vertx-pipelined");
        SqlClient pipelined = PgBuilder.client().with(new PoolOptions().setMaxSize(size).setName("bench-vertx-pipelined"))
                .connectingTo(options).using(vertx).build();
        List<Context> contexts = new ArrayList<>();
        List<SqlConnection> dedicated = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            // each connection bound to its own event-loop context, spread over the event loops
            Context context = vertx.getOrCreateContext();
            Promise<PgConnection> opened = Promise.promise();
            context.runOnContext(v -> PgConnection.connect(vertx, options).onComplete(opened));
            dedicated.add(await(opened.future()));
            contexts.add(context);
        }
        return new Base(PIPELINED, vertx) {
            @Override
            public Mono<Void> execute(Workload workload, Client client) {
                return switch (workload) {
                    case SELECT_1 -> mono(() -> pipelined.preparedQuery("SELECT 1").execute().map(VertxContender::read));
                    case SLOW_MIX -> Mono.error(new UnsupportedOperationException("the slow mix runs on the lane only"));
                    case LOOKUP -> mono(() -> pipelined.preparedQuery(Workload.SELECT).execute(Tuple.of(anAccount()))
                            .map(VertxContender::read));
                    case TRANSACTION -> {
                        int index = client.index % dedicated.size();
                        yield mono(() -> {
                            Promise<Object> done = Promise.promise();
                            Context context = contexts.get(index);
                            if (Vertx.currentContext() == context) {
                                transaction(dedicated.get(index), client).onComplete(done);
                            } else {
                                context.runOnContext(v -> transaction(dedicated.get(index), client).onComplete(done));
                            }
                            return done.future();
                        });
                    }
                };
            }

            @Override
            public void warm(int connections) {
                for (int i = 0; i < 4; i++) {
                    List<Future<?>> all = new ArrayList<>();
                    for (int k = 0; k < connections * 4; k++) {
                        all.add(pipelined.preparedQuery("SELECT 1").execute());
                    }
                    await(Future.all(all));
                }
            }

            @Override
            void closeClients() {
                await(pipelined.close());
                List<Future<?>> closing = new ArrayList<>();
                dedicated.forEach(c -> closing.add(c.close()));
                await(Future.all(closing));
            }
        };
    }

    /**
     * BEGIN, UPDATE, SELECT, COMMIT written back to back on {@code c}; called on {@code c}'s event loop, so they enter
     * its command queue together. An error in the UPDATE or SELECT aborts the transaction and the COMMIT rolls it back.
     */
    private static Future<Object> transaction(SqlConnection c, Client client) {
        client.acquired();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int aid = random.nextInt(1, Workload.ACCOUNTS + 1);
        int delta = random.nextInt(-5000, 5001);
        Future<RowSet<Row>> begin = c.query("BEGIN").execute();
        Future<RowSet<Row>> update = c.preparedQuery(Workload.UPDATE).execute(Tuple.of(delta, aid));
        Future<RowSet<Row>> select = c.preparedQuery(Workload.SELECT).execute(Tuple.of(aid));
        Future<RowSet<Row>> commit = c.query("COMMIT").execute();
        return Future.all(begin, update, select, commit).map(all -> read(select.result()));
    }

    /** Reads every row's first column, as the R2DBC workloads do. */
    private static Object read(RowSet<Row> rows) {
        Object last = null;
        for (Row row : rows) {
            last = row.getValue(0);
        }
        return last == null ? "" : last;
    }

    /** A Vert.x future as a lazy Mono: the call happens on subscription. */
    private static Mono<Void> mono(Supplier<? extends Future<?>> call) {
        return Mono.create(sink -> call.get().onComplete((value, failure) -> {
            if (failure != null) {
                sink.error(failure);
            } else {
                sink.success();
            }
        }));
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(Contender.CLOSE_WITHIN.toSeconds(),
                    TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("Vert.x: " + e.getMessage(), e);
        }
    }

    /** Name, and the {@link Vertx} closed after the clients. */
    private abstract static class Base implements Contender {
        private final String name;
        private final Vertx vertx;

        Base(String name, Vertx vertx) {
            this.name = name;
            this.vertx = vertx;
        }

        @Override
        public String name() {
            return name;
        }

        abstract void closeClients();

        @Override
        public void close() {
            try {
                closeClients();
            } finally {
                await(vertx.close());
            }
        }
    }
}
