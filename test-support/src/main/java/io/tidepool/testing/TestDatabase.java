package io.tidepool.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real PostgreSQL server the tests run against: one per test JVM.
 *
 * <p>When the environment variable {@value #URL_VARIABLE} is set (for example
 * {@code postgresql://postgres:secret@127.0.0.1:5432/postgres}), that server is used; otherwise an embedded
 * PostgreSQL from Maven Central is started on a free port and stopped when the JVM exits.
 *
 * <p>Admin queries ({@code pg_stat_activity}, {@code pg_terminate_backend}) go through plain JDBC on the test
 * thread, never through the pool under test, so they cannot be skewed by it.
 */
public final class TestDatabase {

    /** The environment variable that names an external server instead of the embedded one. */
    public static final String URL_VARIABLE = "TIDEPOOL_TEST_DATABASE_URL";

    private static final AtomicInteger APPLICATION_NAMES = new AtomicInteger();

    /** The embedded server's password: distinctive, so that tests can prove it never shows up in any output. */
    private static final String SECRET = "tp-Secret-9f3c";

    private static volatile TestDatabase instance;

    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password;

    private TestDatabase(String host, int port, String database, String user, String password) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    /** The shared server, started on first use. */
    public static TestDatabase get() {
        TestDatabase local = instance;
        if (local == null) {
            synchronized (TestDatabase.class) {
                local = instance;
                if (local == null) {
                    local = start();
                    instance = local;
                }
            }
        }
        return local;
    }

    private static TestDatabase start() {
        String external = System.getenv(URL_VARIABLE);
        if (external != null && !external.isBlank()) {
            URI uri = URI.create(external.trim());
            String userInfo = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo();
            String[] credentials = userInfo.split(":", 2);
            String path = uri.getPath() == null || uri.getPath().length() <= 1 ? "/postgres" : uri.getPath();
            return new TestDatabase(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), path.substring(1),
                    credentials[0], credentials.length > 1 ? credentials[1] : "");
        }
        try {
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    // postgres is trusted (admin queries); every other role must give its password
                    .setServerConfig("hba_file", hbaFile())
                    // TLS with a certificate made for this run, valid for the name "localhost" only
                    .setServerConfig("ssl", "on")
                    .setServerConfig("ssl_cert_file", TestCertificate.get().certificate().toString())
                    .setServerConfig("ssl_key_file", TestCertificate.get().privateKey().toString())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is exiting: nothing left to report to
                }
            }, "tidepool-test-postgres-stop"));
            TestDatabase db = new TestDatabase("127.0.0.1", server.getPort(), "postgres", "postgres", SECRET);
            db.execute("ALTER USER postgres PASSWORD '" + SECRET + "'");
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    private static String hbaFile() throws IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("tidepool-test-hba", ".conf");
        java.nio.file.Files.writeString(file, String.join("\n",
                "local all postgres trust",
                "host all postgres 127.0.0.1/32 trust",
                "host all all 127.0.0.1/32 scram-sha-256",
                "local all all scram-sha-256", ""));
        file.toFile().deleteOnExit();
        return file.toString();
    }

    /**
     * Creates (or resets) a login role that must authenticate with {@code password}, and may use the test database.
     */
    public void createRole(String role, String password) {
        execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE "
                + role + " LOGIN; END IF; END $$");
        execute("ALTER ROLE " + role + " LOGIN PASSWORD '" + password + "'");
    }

    /**
     * An {@code r2dbc:postgresql://} URL for {@code role} with {@code password}, and {@code extraQuery} (may be empty);
     * with the client of {@value #CLIENT_PROPERTY} when set (see {@link #withTestClient(String)}).
     */
    public String r2dbcUrl(String role, String password, String extraQuery) {
        return withTestClient("r2dbc:postgresql://" + role + ":" + password + "@" + host + ":" + port + "/" + database
                + (extraQuery.isEmpty() ? "" : "?" + extraQuery));
    }

    /** {@link #r2dbcUrl(String, String, String)} with no extra query. */
    public String r2dbcUrl(String role, String password) {
        return r2dbcUrl(role, password, "");
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** A fresh {@code application_name} so that a test can count its own backends in {@code pg_stat_activity}. */
    public static String uniqueApplicationName(String prefix) {
        return prefix + "-" + APPLICATION_NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();
    }

    /** An {@code r2dbc:postgresql://} URL for this server, password included, with the given extra query. */
    public String r2dbcUrl(String query) {
        return r2dbcUrl(user, password, query == null ? "" : query);
    }

    /**
     * The system property that runs the tests on another protocol client: {@code -Dtidepool.test.client=native}
     * adds {@code client=native} to every URL this class gives (a pool option; other code ignores it).
     */
    public static final String CLIENT_PROPERTY = "tidepool.test.client";

    /**
     * {@code url} with {@code client=} the value of {@value #CLIENT_PROPERTY} added to its query, when that property
     * is set and the URL names no client of its own; otherwise {@code url} as given. Every test URL of the pool goes
     * through this, so one property runs a module's suite on the other protocol client.
     */
    public static String withTestClient(String url) {
        String client = System.getProperty(CLIENT_PROPERTY, "").trim();
        int query = url.indexOf('?');
        if (client.isEmpty() || (query >= 0 && ("&" + url.substring(query + 1)).contains("&client="))) {
            return url;
        }
        return url + (query < 0 ? "?" : "&") + "client=" + client;
    }

    /** {@code url} with one more query option {@code name=value}: after {@code ?} or {@code &} as the URL needs. */
    public static String withOption(String url, String name, String value) {
        return url + (url.indexOf('?') < 0 ? "?" : "&") + name + "=" + value;
    }

    /** Runs one statement through JDBC. */
    public void execute(String sql) {
        try (Connection c = jdbc(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("admin statement failed: " + sql, e);
        }
    }

    /** Runs a query through JDBC and returns its rows as column-name maps. */
    public List<Map<String, Object>> query(String sql) {
        try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new java.util.LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("admin query failed: " + sql, e);
        }
    }

    /** The server's backends whose {@code application_name} is the given one. */
    public ServerBackends backends(String applicationName) {
        List<Map<String, Object>> rows = query(
                "SELECT state FROM pg_stat_activity WHERE application_name = '" + applicationName.replace("'", "''") + "'");
        int idleInTransaction = 0;
        for (Map<String, Object> row : rows) {
            Object state = row.get("state");
            if (state != null && state.toString().startsWith("idle in transaction")) {
                idleInTransaction++;
            }
        }
        return new ServerBackends(rows.size(), idleInTransaction);
    }

    /** Terminates every backend with this {@code application_name}; answers how many. */
    public int terminate(String applicationName) {
        List<Map<String, Object>> rows = query("SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE application_name = '"
                + applicationName.replace("'", "''") + "'");
        return rows.size();
    }

    private Connection jdbc() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database
                + "?ApplicationName=tidepool-test-admin", user, password);
    }

    /** What the server says of a pool's backends. */
    public record ServerBackends(int total, int idleInTransaction) {
    }
}
