package io.tidepool.pg;

import io.tidepool.testing.TestCertificate;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The embedded PostgreSQL these tests run against, one per test JVM, with a pg_hba that exercises every
 * authentication method the client supports: {@code postgres} trusted, {@code tp_md5} by md5, {@code tp_clear} by
 * cleartext password, everyone else by SCRAM-SHA-256; TLS on with a certificate made for this run (CN=localhost).
 *
 * <p>(A copy in spirit of the project's TestDatabase, with its own pg_hba: the shared fixtures module does not let a
 * test choose the auth method per role.)
 */
public final class PgTestServer {

    public static final String SECRET = "tp-Secret-9f3c";

    private static volatile PgTestServer instance;

    private final int port;
    private final Path certificate;

    private PgTestServer(int port, Path certificate) {
        this.port = port;
        this.certificate = certificate;
    }

    public static PgTestServer get() {
        PgTestServer local = instance;
        if (local == null) {
            synchronized (PgTestServer.class) {
                local = instance;
                if (local == null) {
                    local = start();
                    instance = local;
                }
            }
        }
        return local;
    }

    private static PgTestServer start() {
        try {
            Path dir = Files.createTempDirectory("tidepool-pg-test");
            // the one test certificate (test-support), valid for localhost only
            Path cert = TestCertificate.get().certificate();
            Path key = TestCertificate.get().privateKey();
            Path hba = dir.resolve("pg_hba.conf");
            Files.writeString(hba, String.join("\n",
                    "local all all trust",
                    "host all postgres 127.0.0.1/32 trust",
                    "host all postgres ::1/128 trust",
                    "host all tp_md5 127.0.0.1/32 md5",
                    "host all tp_md5 ::1/128 md5",
                    "host all tp_clear 127.0.0.1/32 password",
                    "host all tp_clear ::1/128 password",
                    "host all all 127.0.0.1/32 scram-sha-256",
                    "host all all ::1/128 scram-sha-256", ""));
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("hba_file", hba.toString())
                    .setServerConfig("ssl", "on")
                    .setServerConfig("ssl_cert_file", cert.toString())
                    .setServerConfig("ssl_key_file", key.toString())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is exiting
                }
            }, "tidepool-pg-test-stop"));
            PgTestServer s = new PgTestServer(server.getPort(), cert);
            s.execute("SET password_encryption = 'md5'; DROP ROLE IF EXISTS tp_md5; CREATE ROLE tp_md5 LOGIN"
                    + " PASSWORD '" + SECRET + "'");
            s.execute("SET password_encryption = 'scram-sha-256'; DROP ROLE IF EXISTS tp_scram;"
                    + " CREATE ROLE tp_scram LOGIN PASSWORD '" + SECRET + "'");
            s.execute("DROP ROLE IF EXISTS tp_clear; CREATE ROLE tp_clear LOGIN PASSWORD '" + SECRET + "'");
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    public int port() {
        return port;
    }

    public Path certificate() {
        return certificate;
    }

    /** A configuration for the trusted superuser on 127.0.0.1. */
    public PgConnectionConfiguration.Builder config() {
        return PgConnectionConfiguration.builder().host("127.0.0.1").port(port).database("postgres")
                .user("postgres").connectTimeout(Duration.ofSeconds(10));
    }

    public PgConnectionFactory factory() {
        return new PgConnectionFactory(config().build());
    }

    /** Runs admin SQL over JDBC as the superuser, on the calling (test) thread. */
    public void execute(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                "postgres", "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("admin SQL failed: " + sql, e);
        }
    }

    /** A single long value from admin SQL over JDBC. */
    public long queryLong(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                "postgres", "");
             Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("admin SQL failed: " + sql, e);
        }
    }
}
