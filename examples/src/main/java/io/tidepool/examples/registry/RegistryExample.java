package io.tidepool.examples.registry;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.blocking.BlockingPool;
import io.tidepool.registry.PoolRegistry;
import io.tidepool.registry.RegisteredPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * An application's database pools through its life, in the order of seed 003: the pools start before anything
 * uses them, the startup tasks and the work run on them, and they are closed last, in reverse order. The
 * application needs its {@code main} pool; its {@code analytics} pool is optional: when that database is down at
 * startup, the application starts anyway ({@code DEGRADED}), skips the reports, and the registry keeps trying to
 * start the pool in the background.
 *
 * <p>Run it against any PostgreSQL server (the URL's password is never printed):
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=io.tidepool.examples.registry.RegistryExample \
 *     -Dexec.args="r2dbc:postgresql://postgres:secret@localhost:5432/postgres [ANALYTICS_URL]"
 * </pre>
 * The main URL can also come from the environment variable {@code TIDEPOOL_EXAMPLE_URL}; the analytics URL is the
 * main one unless given. Give an analytics URL whose server is down to see the application start degraded. The
 * example creates the table {@code example_deployment}.
 */
public final class RegistryExample {

    private static final String DEFAULT_URL = "r2dbc:postgresql://postgres@localhost:5432/postgres";

    private RegistryExample() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : System.getenv().getOrDefault("TIDEPOOL_EXAMPLE_URL", DEFAULT_URL);
        String analyticsUrl = args.length > 1 ? args[1] : url;
        System.exit(run(registry(url, analyticsUrl)
                .stopOnJvmShutdown()                     // Ctrl-C stops the registry too
                .build(), System.out));
    }

    /** The application's pools: {@code main}, which it cannot run without, and {@code analytics}, which it can. */
    public static PoolRegistry.Builder registry(String mainUrl, String analyticsUrl) {
        // tag::registry[]
        return PoolRegistry.builder()
                .required(PoolConfiguration.builder().name("main").url(mainUrl).maxSize(5).initialSize(1).build())
                .optional(PoolConfiguration.builder().name("analytics").url(analyticsUrl).maxSize(2).build())
                .connectionBudget(10)                    // refused at build() if the pools could need more
                .startTimeout(Duration.ofSeconds(5))     // the most a pool that cannot start holds up the startup
                .stopTimeout(Duration.ofSeconds(10));
        // end::registry[]
    }

    /**
     * The application's life on {@code registry}: starts it, runs the startup tasks and the work, stops it; answers
     * the process exit code. Fails if the {@code main} pool cannot start.
     */
    public static int run(PoolRegistry registry, PrintStream out) {
        // tag::start[]
        registry.start().block(Duration.ofSeconds(60)); // fails if "main" cannot start; "analytics" may retry
        // end::start[]
        out.println("1. pools started, registry " + registry.state() + ": " + describe(registry.pools()));
        try {
            // tag::reactive[]
            registry.pool("main")
                    .inTransaction(c -> execute(c, "CREATE TABLE IF NOT EXISTS example_deployment"
                            + " (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"))
                    .blockLast(Duration.ofSeconds(10));
            // end::reactive[]
            out.println("2. startup tasks done on main");

            Long deployment = registry.pool("main")
                    .inTransaction(c -> one(c, "INSERT INTO example_deployment DEFAULT VALUES RETURNING id", Long.class))
                    .blockLast(Duration.ofSeconds(10));
            out.println("3. main recorded deployment " + deployment);
            if (registry.isAvailable("analytics")) {
                // tag::blocking[]
                BlockingPool analytics = registry.blocking("analytics");
                List<String> version = analytics.withConnection(c -> one(c, "SHOW server_version", String.class),
                        Duration.ofSeconds(5));
                // end::blocking[]
                out.println("   analytics reports from PostgreSQL " + version.get(0));
            } else {
                out.println("   analytics unavailable, reports skipped (the registry keeps starting it): "
                        + registry.pools().stream().filter(p -> p.name().equals("analytics")).findFirst()
                        .flatMap(RegisteredPool::lastFailure).map(Throwable::getMessage).orElse("not started"));
            }
        } finally {
            // tag::stop[]
            registry.stop().block(Duration.ofSeconds(15)); // closes "analytics", then "main"
            // end::stop[]
        }
        out.println("4. pools stopped, registry " + registry.state() + ": " + describe(registry.pools()));
        return 0;
    }

    private static <T> Mono<T> one(Connection connection, String sql, Class<T> type) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map((row, meta) -> row.get(0, type)))
                .next();
    }

    private static Mono<Void> execute(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).then();
    }

    private static String describe(List<RegisteredPool> pools) {
        StringBuilder text = new StringBuilder();
        for (RegisteredPool pool : pools) {
            text.append(text.length() == 0 ? "" : ", ").append(pool.name()).append('=').append(pool.availability());
        }
        return text.toString();
    }
}
