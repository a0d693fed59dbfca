package io.tidepool.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;

/**
 * The PostgreSQL server under load: an embedded one started for the run (default), or the one a URL names.
 *
 * @param host the server's host
 * @param port its port
 * @param database the database
 * @param user the user
 * @param password the password, empty when none
 * @param embedded the embedded server to stop at the end, if this run started one
 */
record Target(String host, int port, String database, String user, String password,
              @Nullable EmbeddedPostgres embedded) implements AutoCloseable {

    /** Starts an embedded PostgreSQL on a free port, configured as the core tests configure theirs. */
    static Target startEmbedded() {
        try {
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "200")
                    // durability off, as in the tests: the load is CPU-bound, not fsync-bound, for every contender
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
            return new Target("127.0.0.1", server.getPort(), "postgres", "postgres", "", server);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    /** A server named by {@code r2dbc:postgresql://user:password@host:port/database} (or {@code postgresql://...}). */
    static Target of(String url) {
        String plain = url.trim().replaceFirst("^r2dbc:", "");
        URI uri = URI.create(plain);
        if (!"postgresql".equals(uri.getScheme())) {
            throw new IllegalArgumentException("expected r2dbc:postgresql://user:password@host:port/database, was "
                    + uri.getScheme() + "://...");
        }
        String userInfo = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo();
        String[] credentials = userInfo.split(":", 2);
        String path = uri.getPath() == null || uri.getPath().length() <= 1 ? "/postgres" : uri.getPath();
        return new Target(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), path.substring(1),
                credentials[0], credentials.length > 1 ? credentials[1] : "", null);
    }

    /** The r2dbc URL of this server, with the given query string. */
    String r2dbcUrl(String query) {
        String auth = password.isEmpty() ? user : user + ":" + password;
        return "r2dbc:postgresql://" + auth + "@" + host + ":" + port + "/" + database
                + (query.isEmpty() ? "" : "?" + query);
    }

    /** Where the load goes, for the report; never the password. */
    String describe() {
        return (embedded != null ? "embedded " : "") + "postgresql://" + user + "@" + host + ":" + port + "/" + database;
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                System.err.println("stopping the embedded PostgreSQL failed: " + e);
            }
        }
    }
}
