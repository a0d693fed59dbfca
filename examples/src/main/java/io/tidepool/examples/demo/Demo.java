package io.tidepool.examples.demo;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.stats.PoolStats;
import io.tidepool.RetryPolicy;
import io.tidepool.error.ErrorCategory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthAggregate;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.health.http.HealthServer;
import io.tidepool.health.micrometer.TidepoolMeterBinder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo: Tidepool under a steady load while the faults of the seeds happen to it, with the pool's state printed
 * every second and a summary at the end.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java                                    # embedded PostgreSQL, ~30 s
 * mvn -q -pl examples -am compile exec:java -Dexec.args="--seconds 120"        # longer
 * mvn -q -pl examples -am compile exec:java -Dexec.args="--url r2dbc:postgresql://user:pw@host/db"
 * </pre>
 */
public final class Demo {

    private static final String POOL = "demo";

    private final TidepoolPool pool;
    private final LongAdder ok = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final Map<ErrorCategory, LongAdder> failures = new ConcurrentHashMap<>();
    /** The steady load is idempotent reads: a transient failure is retried (3 attempts, backoff with jitter). */
    private final RetryPolicy retry = RetryPolicy.defaults();
    private final Admin admin;
    private final String url;

    private Demo(String url, Admin admin) {
        this.admin = admin;
        this.url = url;
        this.pool = TidepoolPool.builder().url(url).name(POOL).maxSize(5).minIdle(2)
                .acquireTimeout(Duration.ofMillis(800)).validateAfterIdle(Duration.ofMillis(200))
                .closeTimeout(Duration.ofSeconds(5)).buildPool();
    }

    public static void main(String[] args) throws Exception {
        System.exit(execute(args));
    }

    /** Runs the demo; answers 0 when nothing leaked, 1 otherwise. */
    static int execute(String[] args) throws Exception {
        DemoOptions options = DemoOptions.parse(args);
        EmbeddedServer embedded = null;
        String url = options.url();
        if (url == null) {
            System.out.println("Starting an embedded PostgreSQL...");
            embedded = EmbeddedServer.start();
            url = "r2dbc:postgresql://postgres@127.0.0.1:" + embedded.port() + "/postgres";
        }
        Admin admin = embedded != null ? Admin.embedded(embedded) : Admin.none();
        Demo demo = new Demo(url, admin);
        Thread onCtrlC = new Thread(demo::closeQuietly, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        try {
            return demo.run(options.seconds());
        } finally {
            Runtime.getRuntime().removeShutdownHook(onCtrlC);
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private int run(int seconds) {
        System.out.println("Pool: " + pool.configuration());
        pool.start().block(Duration.ofSeconds(30));
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TidepoolMeterBinder meters = TidepoolMeterBinder.of(pool);
        meters.bindTo(prometheus);
        PoolHealthCheck check = PoolHealthCheck.of(pool);
        HealthAggregate health = HealthAggregate.of(List.of(HealthAggregate.Entry.required(check)));
        HealthServer.Running endpoint = HealthServer.builder(health).prometheus(prometheus).build().start()
                // another program (or another demo) may hold the usual port: any free one will do, it is printed
                .onErrorResume(e -> {
                    System.out.println("Port " + HealthServer.DEFAULT_PORT + " is taken (" + e.getMessage()
                            + "); the endpoint takes a free port instead");
                    return HealthServer.builder(health).prometheus(prometheus).port(0).build().start();
                })
                .block(Duration.ofSeconds(10));
        String base = "http://" + endpoint.host() + ":" + endpoint.port();
        System.out.println("Health: " + base + "/health   Metrics: " + base + "/metrics");
        Disposable load = Flux.interval(Duration.ofMillis(20))
                .onBackpressureDrop()
                .flatMap(i -> oneRequest(), 4)
                .subscribe();
        Disposable ticker = Flux.interval(Duration.ofSeconds(1))
                .concatMap(t -> check.check().map(h -> h.status().toString()).onErrorReturn("UNKNOWN"))
                .subscribe(this::printState);

        int phase = Math.max(4, seconds / 5);
        pause(phase, "steady load");
        System.out.println("\n>>> Fault 1 (seeds 001/002): a burst of 60 slow requests exhausts the pool");
        Flux.range(0, 60).flatMap(i -> pool.withConnection(c -> run(c, "SELECT pg_sleep(0.3)"))
                        .doOnComplete(ok::increment)
                        .onErrorResume(e -> failed(e)))
                .subscribe();
        pause(phase, "exhausted, then recovering");
        System.out.println("\n>>> Fault 2: the server terminates every backend of the pool");
        System.out.println("    terminated " + admin.terminate(POOL) + " backends");
        pause(phase, "replacing connections");
        System.out.println("\n>>> Fault 3: a transaction abandoned mid-way (cancelled) must not leave one open");
        System.out.println("    (the driver logs the cancelled statement's 57014 as a dropped error: expected, see "
                + "docs/engine.md)");
        pool.inTransaction(c -> run(c, "SELECT pg_sleep(5)")).timeout(Duration.ofMillis(100))
                .onErrorResume(e -> Mono.empty()).blockLast(Duration.ofSeconds(10));
        pause(phase, "steady load");
        if (admin.canRestart()) {
            System.out.println("\n>>> Fault 4 (seed 003): the server is stopped and started again on the same port");
            admin.restart();
            System.out.println("    server back up; the pool reconnects by itself, no restart of the application");
            pause(phase, "reconnecting");
        }

        load.dispose();
        ticker.dispose();
        endpoint.stop().block(Duration.ofSeconds(10));
        check.close();
        meters.close();
        pool.close().block(Duration.ofSeconds(30));
        boolean laneClean = LaneShowcase.run(url, admin::backends);
        PoolStats stats = pool.stats();
        System.out.println("\n=== Summary ===");
        System.out.println("requests ok: " + ok.sum());
        System.out.println("retried: " + retried.sum() + " attempts of the steady load's "
                + requests.sum() + " idempotent reads were retries after a transient failure");
        failures.forEach((category, count) -> System.out.println("failed: " + count.sum() + " x "
                + category.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " (" + category.description() + ")"));
        System.out.println("pool: acquires=" + stats.acquires() + " creates=" + stats.creates() + " destroys="
                + stats.destroys() + " timeouts=" + stats.timeouts() + " validationFailures="
                + stats.validationFailures() + " discards=" + stats.discards());
        int left = admin.backends(POOL);
        boolean clean = stats.acquired() == 0 && stats.allocated() == 0 && stats.creates() == stats.destroys()
                && left <= 0 && laneClean;
        System.out.println("after close: acquired=" + stats.acquired() + " allocated=" + stats.allocated()
                + " server backends=" + (left < 0 ? "unknown (external server)" : left)
                + (laneClean ? "" : "; the lane's pools left something open"));
        System.out.println(clean ? "NOTHING LEAKED" : "LEAK SUSPECTED");
        return clean ? 0 : 1;
    }

    private Mono<Void> oneRequest() {
        requests.increment();
        // retried when transient; the work is applied once per attempt that got a connection, so the count of
        // attempts past a request's first shows what was retried (one that never got a connection made none)
        java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
        return pool.withConnection(retry, c -> {
                    if (tries.incrementAndGet() > 1) {
                        retried.increment();
                    }
                    return run(c, "SELECT count(*) FROM pg_class");
                })
                .then()
                .doOnSuccess(v -> ok.increment())
                .onErrorResume(this::failed);
    }

    private <T> Mono<T> failed(Throwable error) {
        ErrorCategory category = pool.configuration().errorClassifier().classify(error);
        failures.computeIfAbsent(category, k -> new LongAdder()).increment();
        return Mono.empty();
    }

    /** {@code "timeout 3, transient connection 9"}: failures so far by category. */
    private String failuresByCategory() {
        StringBuilder text = new StringBuilder();
        failures.forEach((category, count) -> text.append(text.length() == 0 ? "" : ", ")
                .append(category.name().toLowerCase(Locale.ROOT).replace('_', ' ')).append(' ').append(count.sum()));
        return text.toString();
    }

    private static Flux<Long> run(Connection c, String sql) {
        return Flux.from(c.createStatement(sql).execute()).flatMap(Result::getRowsUpdated);
    }

    private void printState(String health) {
        PoolStats s = pool.stats();
        long failed = failures.values().stream().mapToLong(LongAdder::sum).sum();
        System.out.printf("%-10s %-9s %s | ok=%d retried=%d failed=%d%s | discards=%d%n", "[" + pool.state() + "]",
                health, s.describeState(), ok.sum(), retried.sum(), failed,
                failed == 0 ? "" : " (" + failuresByCategory() + ")", s.discards());
    }

    private static void pause(int seconds, String what) {
        System.out.println("--- " + what + " for " + seconds + " s");
        Mono.delay(Duration.ofSeconds(seconds)).block();
    }

    private void closeQuietly() {
        try {
            pool.close().block(Duration.ofSeconds(10));
        } catch (RuntimeException ignored) {
            // the JVM is exiting
        }
    }

    /** Server-side checks through JDBC, only when the demo runs its own server. */
    private interface Admin {
        int terminate(String applicationName);

        int backends(String applicationName);

        default boolean canRestart() {
            return false;
        }

        default void restart() {
        }

        static Admin none() {
            return new Admin() {
                @Override
                public int terminate(String applicationName) {
                    return 0;
                }

                @Override
                public int backends(String applicationName) {
                    return -1;
                }
            };
        }

        static Admin embedded(EmbeddedServer server) {
            return new Admin() {
                @Override
                public boolean canRestart() {
                    return true;
                }

                @Override
                public void restart() {
                    server.restart();
                }

                @Override
                public int terminate(String applicationName) {
                    return count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                            + "application_name = '" + applicationName + "'");
                }

                @Override
                public int backends(String applicationName) {
                    return count("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                            + applicationName + "'");
                }

                private int count(String sql) {
                    try (java.sql.Connection c = server.current().getPostgresDatabase().getConnection();
                         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                        rs.next();
                        return rs.getInt(1);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
        }
    }

    /** The demo's own PostgreSQL, on a fixed port and data directory so that it can be restarted in place. */
    private static final class EmbeddedServer implements AutoCloseable {
        private final int port;
        private final java.nio.file.Path data;
        private volatile EmbeddedPostgres current;

        private EmbeddedServer(int port, java.nio.file.Path data) throws java.io.IOException {
            this.port = port;
            this.data = data;
            this.current = open();
        }

        static EmbeddedServer start() throws java.io.IOException {
            int port;
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            return new EmbeddedServer(port, java.nio.file.Files.createTempDirectory("tidepool-demo"));
        }

        private EmbeddedPostgres open() throws java.io.IOException {
            return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60)).start();
        }

        int port() {
            return port;
        }

        EmbeddedPostgres current() {
            return current;
        }

        void restart() {
            try {
                current.close();
                current = open();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("could not restart the demo's PostgreSQL", e);
            }
        }

        @Override
        public void close() throws java.io.IOException {
            current.close();
        }
    }

    /** Command-line options: {@code --seconds N}, {@code --url URL}. */
    record DemoOptions(int seconds, String url) {
        static DemoOptions parse(String[] args) {
            int seconds = 30;
            String url = System.getenv("TIDEPOOL_DEMO_URL");
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seconds" -> seconds = Integer.parseInt(value(args, ++i, "--seconds"));
                    case "--url" -> url = value(args, ++i, "--url");
                    default -> throw new IllegalArgumentException("unknown option '" + args[i]
                            + "': use --seconds N or --url r2dbc:postgresql://...");
                }
            }
            if (seconds < 10) {
                throw new IllegalArgumentException("--seconds must be at least 10, was " + seconds);
            }
            return new DemoOptions(seconds, url);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }
}
