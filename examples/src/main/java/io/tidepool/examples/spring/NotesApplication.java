package io.tidepool.examples.spring;

import io.tidepool.TidepoolPool;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcConnectionDetails;
import org.springframework.context.annotation.Bean;

import java.time.Duration;
import java.util.Map;

/**
 * A Spring Boot WebFlux application whose R2DBC {@link io.r2dbc.spi.ConnectionFactory} is a {@link TidepoolPool}:
 * Spring's {@code DatabaseClient}, its R2DBC transaction manager and its schema initializer all borrow from the pool,
 * the {@code tidepool-health} auto-configuration adds the pool to {@code /actuator/health} and its meters to
 * {@code /actuator/prometheus}, and Spring closes the pool when the application stops.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=io.tidepool.examples.spring.NotesApplication
 * </pre>
 *
 * <p>The database is {@code spring.r2dbc.url} (with {@code spring.r2dbc.username} and {@code spring.r2dbc.password}
 * if the URL has none), or the URL in the environment variable {@value #URL_VARIABLE}; with neither, the
 * application starts an embedded PostgreSQL and stops it after the pool is closed. Pool options go in the URL's
 * query ({@code ?maxSize=20&acquireTimeout=2s}) or under {@code spring.r2dbc.properties.*}, by their Tidepool or
 * r2dbc-pool names; {@code spring.r2dbc.pool.*} configures r2dbc-pool only and is not read.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class NotesApplication {

    /** The pool's default name, and so the {@code application_name} of its connections on the server. */
    public static final String POOL_NAME = "notes-web";

    /** The environment variable that may hold the database's R2DBC URL. */
    public static final String URL_VARIABLE = "TIDEPOOL_EXAMPLE_URL";

    /** Creates the configuration; Spring calls this. */
    public NotesApplication() {
    }

    /**
     * Runs the application until the process is stopped (Ctrl-C closes the application context, and with it the
     * pool and the embedded server if one was started).
     *
     * @param args Spring Boot arguments, e.g. {@code --server.port=8081} or {@code --spring.r2dbc.url=...}
     */
    public static void main(String[] args) {
        application(System.getenv(URL_VARIABLE)).run(args);
    }

    /**
     * The application as {@link #main} runs it.
     *
     * @param url the database's R2DBC URL when {@code spring.r2dbc.url} is not set, or {@code null}
     */
    public static SpringApplication application(@Nullable String url) {
        SpringApplication application = new SpringApplication(NotesApplication.class);
        if (url != null && !url.isBlank()) {
            // default properties come last: spring.r2dbc.url from anywhere else wins
            application.setDefaultProperties(Map.of("spring.r2dbc.url", url));
        }
        return application;
    }

    /** The database: the one {@code spring.r2dbc.url} names, or an embedded one when none is named. */
    @Bean
    NotesDatabase notesDatabase(ObjectProvider<R2dbcConnectionDetails> given) {
        R2dbcConnectionDetails details = given.getIfAvailable();
        return details != null ? NotesDatabase.given(details.getConnectionFactoryOptions()) : NotesDatabase.embedded();
    }

    /**
     * The pool: Spring Boot's R2DBC auto-configuration backs off because this bean is a {@code ConnectionFactory},
     * and {@code tidepool-health} finds it because its declared type is {@link TidepoolPool}. Options from the URL
     * or {@code spring.r2dbc.properties.*} override the defaults set here.
     *
     * <p>The pool is started here, before Spring's schema initializer and the first request borrow from it: the
     * first connection of a fresh JVM can take seconds to open (the driver's classes load), and {@code start()}
     * gives each attempt {@code createTimeout} and retries until {@code startTimeout}, where a first acquire would
     * have only {@code acquireTimeout}. A database that cannot be reached fails the application's start.
     *
     * <p>On shutdown Spring calls {@link TidepoolPool#close()} and waits for the {@code Mono} it returns (Spring
     * Framework 6.1 and later wait for a destroy method's reactive result): borrowed connections get up to
     * {@code closeTimeout} to come back, then everything is closed.
     */
    // tag::pool-bean[]
    @Bean(destroyMethod = "close")
    TidepoolPool notesPool(NotesDatabase database) {
        TidepoolPool pool = TidepoolPool.builder()
                .name(POOL_NAME)
                .maxSize(10)
                .minIdle(2)
                .acquireTimeout(Duration.ofSeconds(2))
                .startTimeout(Duration.ofSeconds(30))
                .closeTimeout(Duration.ofSeconds(10))
                .options(database.options())
                .buildPool();
        try {
            pool.start().block(pool.configuration().startTimeout().plusSeconds(5));
        } catch (RuntimeException e) {
            pool.close().block(pool.configuration().closeTimeout().plusSeconds(5));
            throw e;
        }
        return pool;
    }
    // end::pool-bean[]
}
