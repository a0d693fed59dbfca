package io.tidepool.examples.registry;

import io.r2dbc.spi.Connection;
import io.tidepool.PoolConfiguration;
import io.tidepool.registry.BlockingPool;
import io.tidepool.registry.PoolRegistry;
import io.tidepool.registry.RegisteredPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;

/**
 * A registry of two named pools: started at startup, used reactively and through the blocking bridge, and stopped
 * at shutdown in reverse order.
 *
 * <p>Run it against any PostgreSQL server (the URL's password is never printed):
 * <pre>
 * mvn -B -q -pl core,examples -am -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp "examples/target/classes:$(cat examples/target/classpath.txt)" \
 *     io.tidepool.examples.registry.RegistryExample r2dbc:postgresql://postgres:secret@localhost:5432/postgres
 * </pre>
 * The URL can also come from the environment variable {@code TIDEPOOL_EXAMPLE_URL}.
 */
public final class RegistryExample {

    private static final String DEFAULT_URL = "r2dbc:postgresql://postgres@localhost:5432/postgres";

    private RegistryExample() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : System.getenv().getOrDefault("TIDEPOOL_EXAMPLE_URL", DEFAULT_URL);

        // tag::registry[]
        PoolRegistry registry = PoolRegistry.builder()
                .required(PoolConfiguration.builder().name("main").url(url).maxSize(5).initialSize(1).build())
                .optional(PoolConfiguration.builder().name("reports").url(url).maxSize(2).build())
                .connectionBudget(10)                    // refused at build() if the pools could need more
                .stopTimeout(Duration.ofSeconds(10))
                .stopOnJvmShutdown()                     // Ctrl-C stops the registry too
                .build();
        registry.start().block(Duration.ofSeconds(60)); // fails if "main" cannot start; "reports" may retry
        // end::registry[]
        System.out.println("registry " + registry.state() + ": " + describe(registry.pools()));

        try {
            // tag::reactive[]
            Long tables = registry.pool("main")
                    .withConnection(c -> one(c, "SELECT count(*) FROM pg_tables", Long.class))
                    .blockLast(Duration.ofSeconds(10));
            // end::reactive[]
            System.out.println("main sees " + tables + " tables");

            // tag::blocking[]
            BlockingPool reports = registry.blocking("reports");
            List<String> version = reports.withConnection(c -> one(c, "SELECT version()", String.class),
                    Duration.ofSeconds(5));
            // end::blocking[]
            System.out.println("reports runs on " + version.get(0));
        } finally {
            // tag::stop[]
            registry.stop().block(Duration.ofSeconds(15)); // closes "reports", then "main"
            // end::stop[]
        }
        System.out.println("registry " + registry.state());
    }

    private static <T> Mono<T> one(Connection connection, String sql, Class<T> type) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map((row, meta) -> row.get(0, type)))
                .next();
    }

    private static String describe(List<RegisteredPool> pools) {
        StringBuilder text = new StringBuilder();
        for (RegisteredPool pool : pools) {
            text.append(text.length() == 0 ? "" : ", ").append(pool.name()).append('=').append(pool.availability());
        }
        return text.toString();
    }
}
