package io.tidepool.examples.spring;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * Where the notes live: a database given by its R2DBC options, or an embedded PostgreSQL that this object starts and
 * {@link #close() stops}. As a Spring bean that the pool depends on, it is closed after the pool.
 */
public final class NotesDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NotesDatabase.class);

    private final ConnectionFactoryOptions options;
    private final @Nullable EmbeddedPostgres embedded;

    private NotesDatabase(ConnectionFactoryOptions options, @Nullable EmbeddedPostgres embedded) {
        this.options = options;
        this.embedded = embedded;
    }

    /** A database given by {@code options}; closing it closes nothing. */
    public static NotesDatabase given(ConnectionFactoryOptions options) {
        return new NotesDatabase(options, null);
    }

    /**
     * Starts an embedded PostgreSQL on a free port of the loopback interface.
     *
     * @throws UncheckedIOException if it cannot start
     */
    public static NotesDatabase embedded() {
        log.info("No spring.r2dbc.url nor {}: starting an embedded PostgreSQL", NotesApplication.URL_VARIABLE);
        try {
            EmbeddedPostgres server = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60)).start();
            return new NotesDatabase(ConnectionFactoryOptions.parse(
                    "r2dbc:postgresql://postgres@127.0.0.1:" + server.getPort() + "/postgres"), server);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    /** The R2DBC options to connect with, pool options included when the URL had some. */
    public ConnectionFactoryOptions options() {
        return options;
    }

    /** Stops the embedded server, if this database is one. */
    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }

    /** The kind of database; never a password. */
    @Override
    public String toString() {
        return embedded != null ? "NotesDatabase{embedded, port=" + embedded.getPort() + "}" : "NotesDatabase{given}";
    }
}
