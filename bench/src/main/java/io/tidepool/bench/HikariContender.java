package io.tidepool.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import reactor.core.publisher.Mono;

import java.lang.reflect.InvocationTargetException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HikariCP + pgjdbc as a peer, end to end only: the blocking stack a Java 21+ application would run on virtual
 * threads. Pool {@code maximumPoolSize} = {@code minimumIdle} = the pool size, the same server; each request is a task
 * on a virtual thread of its own ({@code Executors.newVirtualThreadPerTaskExecutor()}, looked up by reflection so the
 * bench still compiles for and runs on Java 17), or, on a JDK without virtual threads, on a fixed pool of as many
 * platform threads as requests in flight. The report's note says which ran.
 *
 * <p>Both statements are {@link PreparedStatement}s (pgjdbc prepares them on the server from their fifth use on a
 * connection, {@code prepareThreshold=5}, and then sends Bind/Execute/Sync); the transaction is
 * {@code setAutoCommit(false)}, UPDATE, SELECT, {@code commit()}: pgjdbc sends BEGIN in the same flush as the UPDATE,
 * so it costs three round trips where the R2DBC stacks pay four. HikariCP restores auto-commit on return (pgjdbc
 * needs no round trip for that outside a transaction).
 */
final class HikariContender implements Contender {

    static final String NAME = "hikari+pgjdbc";

    private final HikariDataSource pool;
    private final ExecutorService executor;
    private final boolean virtual;

    private HikariContender(HikariDataSource pool, ExecutorService executor, boolean virtual) {
        this.pool = pool;
        this.executor = executor;
        this.virtual = virtual;
    }

    static HikariContender open(Target target, int size, int inFlight) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:postgresql://" + target.host() + ":" + target.port() + "/" + target.database()
                + "?ApplicationName=bench-hikari");
        config.setUsername(target.user());
        if (!target.password().isEmpty()) {
            config.setPassword(target.password());
        }
        config.setPoolName("bench-hikari");
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        // the same bound on waiting as the other pools', so a stuck pool fails requests, not the run
        config.setConnectionTimeout(10_000);
        HikariDataSource pool = new HikariDataSource(config);
        ExecutorService virtualThreads = virtualThreadPerTask();
        if (virtualThreads != null) {
            return new HikariContender(pool, virtualThreads, true);
        }
        AtomicInteger n = new AtomicInteger();
        return new HikariContender(pool, Executors.newFixedThreadPool(inFlight, r -> {
            Thread t = new Thread(r, "bench-hikari-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }), false);
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()} on Java 21+, else null. */
    private static ExecutorService virtualThreadPerTask() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            return null;
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("could not start virtual threads", e);
        }
    }

    /** Whether this JDK has virtual threads (Java 21+), so that this contender runs on them. */
    static boolean virtualThreadsAvailable() {
        try {
            Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** Whether requests run on virtual threads (else on platform threads, one per request in flight). */
    boolean virtualThreads() {
        return virtual;
    }

    /** What ran, for the report. */
    String threads(int inFlight) {
        return virtual ? "a virtual thread per request (Java " + Runtime.version().feature() + ")"
                : inFlight + " platform threads (Java " + Runtime.version().feature() + " has no virtual threads)";
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Mono<Void> execute(Workload workload, Client client) {
        return Mono.create(sink -> executor.execute(() -> {
            try {
                run(workload, client);
                sink.success();
            } catch (SQLException | RuntimeException e) {
                sink.error(e);
            }
        }));
    }

    private void run(Workload workload, Client client) throws SQLException {
        try (Connection c = pool.getConnection()) {
            client.acquired();
            switch (workload) {
                case SELECT_1 -> {
                    try (PreparedStatement s = c.prepareStatement("SELECT 1"); ResultSet rows = s.executeQuery()) {
                        read(rows);
                    }
                }
                case SLOW_MIX -> throw new UnsupportedOperationException("the slow mix runs on the lane only");
                case LOOKUP -> {
                    try (PreparedStatement s = c.prepareStatement(jdbc(Workload.SELECT))) {
                        s.setInt(1, ThreadLocalRandom.current().nextInt(1, Workload.ACCOUNTS + 1));
                        try (ResultSet rows = s.executeQuery()) {
                            read(rows);
                        }
                    }
                }
                case TRANSACTION -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    int aid = random.nextInt(1, Workload.ACCOUNTS + 1);
                    int delta = random.nextInt(-5000, 5001);
                    c.setAutoCommit(false);
                    try {
                        try (PreparedStatement u = c.prepareStatement(jdbc(Workload.UPDATE))) {
                            u.setInt(1, delta);
                            u.setInt(2, aid);
                            u.executeUpdate();
                        }
                        try (PreparedStatement s = c.prepareStatement(jdbc(Workload.SELECT))) {
                            s.setInt(1, aid);
                            try (ResultSet rows = s.executeQuery()) {
                                read(rows);
                            }
                        }
                        c.commit();
                    } catch (SQLException | RuntimeException e) {
                        try {
                            c.rollback();
                        } catch (SQLException x) {
                            e.addSuppressed(x);
                        }
                        throw e;
                    }
                }
            }
        }
    }

    /** {@code $n} placeholders as JDBC's {@code ?} (each used once, in order, in the workload's statements). */
    private static String jdbc(String sql) {
        return sql.replaceAll("\\$\\d+", "?");
    }

    private static void read(ResultSet rows) throws SQLException {
        while (rows.next()) {
            rows.getObject(1);
        }
    }

    @Override
    public void warm(int connections) {
        // minimumIdle opens them in the background: wait for them, then use each a few times
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WITHIN.toSeconds());
        while (pool.getHikariPoolMXBean().getTotalConnections() < connections && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        CountDownLatch done = new CountDownLatch(connections * 4);
        for (int i = 0; i < connections * 4; i++) {
            executor.execute(() -> {
                try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("SELECT 1");
                     ResultSet rows = s.executeQuery()) {
                    read(rows);
                } catch (SQLException e) {
                    // the measured runs report errors
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            done.await(CLOSE_WITHIN.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public long borrowedNow() {
        return pool.getHikariPoolMXBean().getActiveConnections();
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(CLOSE_WITHIN.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
    }
}
