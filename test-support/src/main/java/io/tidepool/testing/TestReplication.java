package io.tidepool.testing;

import java.io.IOException;
import java.io.UncheckedIOException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real PostgreSQL primary with a real hot standby streaming from it, both on loopback on free ports, made fresh for
 * each test that asks (a failover destroys it): {@code initdb}, {@code pg_basebackup -R}, {@code pg_ctl}, from the
 * PostgreSQL server binaries installed on the machine (Debian's {@code postgresql} package:
 * {@code /usr/lib/postgresql/<version>/bin}; the embedded server the other tests use ships no
 * {@code pg_basebackup}). Replication is synchronous ({@code synchronous_standby_names = '*'}): a commit is
 * acknowledged once the standby has it, so no acknowledged row can be lost by a failover.
 *
 * <p>The servers trust {@code postgres} on loopback. As root they run as an unprivileged account. {@link #close()}
 * (and JVM exit) stops both with {@code pg_ctl stop -m immediate} and deletes their data.
 */
public final class TestReplication implements AutoCloseable {

    private final Path bin;
    private final Path directory;
    private final Server primary;
    private final Server standby;

    /** One server of the pair. */
    public record Server(String name, int port, Path data) {

        /**
         * An {@code r2dbc:postgresql://} URL for this server alone, with the given extra query (and the protocol
         * client of {@link TestDatabase#CLIENT_PROPERTY}, when set).
         */
        public String r2dbcUrl(String query) {
            return TestDatabase.withTestClient("r2dbc:postgresql://postgres@127.0.0.1:" + port + "/postgres"
                    + (query == null || query.isEmpty() ? "" : "?" + query));
        }

        /** {@code 127.0.0.1:port}, for a host list. */
        public String hostAndPort() {
            return "127.0.0.1:" + port;
        }
    }

    private TestReplication(Path bin, Path directory, Server primary, Server standby) {
        this.bin = bin;
        this.directory = directory;
        this.primary = primary;
        this.standby = standby;
    }

    /** The directory of the newest installed PostgreSQL server binaries that include {@code pg_basebackup}. */
    static Path binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                return versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("pg_basebackup"))
                                && Files.isExecutable(b.resolve("postgres")) && Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparing(b -> versionOf(b.getParent())))
                        .orElseThrow(TestReplication::notInstalled);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw notInstalled();
    }

    private static Integer versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static IllegalStateException notInstalled() {
        return new IllegalStateException("the PostgreSQL server binaries (initdb, postgres, pg_basebackup under "
                + "/usr/lib/postgresql/<version>/bin) are not installed, and the replication tests need a real "
                + "primary and standby: apt-get install -y postgresql (.ci/run installs it)");
    }

    /** Makes, starts and connects a fresh primary and standby; waits until the standby streams synchronously. */
    public static TestReplication start() {
        Path bin = binaries();
        Path dir = Unprivileged.directory("tidepool-replication");
        Server primary = new Server("primary", FreePorts.loopback(), dir.resolve("primary"));
        Server standby = new Server("standby", FreePorts.loopback(), dir.resolve("standby"));
        TestReplication pair = new TestReplication(bin, dir, primary, standby);
        Runtime.getRuntime().addShutdownHook(new Thread(pair::close, "tidepool-test-replication-stop"));
        pair.run("initdb", "-D", primary.data().toString(), "-U", "postgres", "--auth=trust", "--no-sync",
                "--no-instructions", "-E", "UTF8", "--locale=C");
        pair.configure(primary, String.join("\n",
                "wal_level = replica",
                "max_wal_senders = 10",
                "hot_standby = on",
                "synchronous_standby_names = '*'",
                "synchronous_commit = on",
                "wal_keep_size = 256MB", ""));
        pair.startServer(primary);
        pair.run("pg_basebackup", "-h", "127.0.0.1", "-p", String.valueOf(primary.port()), "-U", "postgres",
                "-D", standby.data().toString(), "-R", "-X", "stream", "-c", "fast", "--no-sync");
        // promoted, the standby must not wait for a standby of its own
        pair.configure(standby, String.join("\n", "port = " + standby.port(), "synchronous_standby_names = ''", ""));
        pair.startServer(standby);
        await().atMost(Duration.ofSeconds(30)).until(() -> pair.query(primary,
                "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'sync'")
                .get(0).get("n").toString().equals("1"));
        return pair;
    }

    private void configure(Server server, String extra) {
        try {
            Path conf = server.data().resolve("postgresql.conf");
            Files.writeString(conf, Files.readString(conf) + "\n" + String.join("\n",
                    "listen_addresses = '127.0.0.1'",
                    "port = " + server.port(),
                    "unix_socket_directories = '" + directory + "'",
                    "max_connections = 100",
                    "fsync = off",
                    "full_page_writes = off",
                    "logging_collector = off", "") + extra);
        } catch (IOException e) {
            throw new UncheckedIOException("could not configure the " + server.name(), e);
        }
        Unprivileged.chownTree(directory);
    }

    private void startServer(Server server) {
        run("pg_ctl", "-D", server.data().toString(), "-l", directory.resolve(server.name() + ".log").toString(),
                "-w", "-t", "60", "start");
    }

    private String run(String program, String... args) {
        List<String> command = new ArrayList<>();
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(args));
        return Unprivileged.runOk(Unprivileged.asAccount(command), directory, 90);
    }

    public Server primary() {
        return primary;
    }

    public Server standby() {
        return standby;
    }

    /** {@code pg_ctl stop -m immediate}: the server dies as in a crash, no checkpoint, connections cut. */
    public void crash(Server server) {
        run("pg_ctl", "-D", server.data().toString(), "-m", "immediate", "-w", "stop");
    }

    /** {@code pg_ctl promote -w}: returns once the standby accepts writes. */
    public void promote(Server server) {
        run("pg_ctl", "-D", server.data().toString(), "-w", "-t", "60", "promote");
    }

    /** Runs one statement on {@code server} through JDBC. */
    public void execute(Server server, String sql) {
        try (Connection c = jdbc(server); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("statement on the " + server.name() + " failed: " + sql, e);
        }
    }

    /** Runs a query on {@code server} through JDBC; its rows as column-name maps. */
    public List<Map<String, Object>> query(Server server, String sql) {
        try (Connection c = jdbc(server); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("query on the " + server.name() + " failed: " + sql, e);
        }
    }

    /** The server's backends with this {@code application_name}, and how many idle in transaction. */
    public TestDatabase.ServerBackends backends(Server server, String applicationName) {
        int total = 0;
        int idleInTransaction = 0;
        for (Map<String, Object> row : query(server, "SELECT state FROM pg_stat_activity WHERE application_name = '"
                + applicationName.replace("'", "''") + "'")) {
            total++;
            Object state = row.get("state");
            if (state != null && state.toString().startsWith("idle in transaction")) {
                idleInTransaction++;
            }
        }
        return new TestDatabase.ServerBackends(total, idleInTransaction);
    }

    private static Connection jdbc(Server server) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                + "/postgres?ApplicationName=tidepool-test-admin&connectTimeout=5&socketTimeout=30", "postgres", "");
    }

    /** Stops both servers (if running) and deletes their data. Idempotent. */
    @Override
    public synchronized void close() {
        for (Server server : List.of(standby, primary)) {
            if (Files.exists(server.data().resolve("postmaster.pid"))) {
                List<String> command = List.of(bin.resolve("pg_ctl").toString(), "-D", server.data().toString(),
                        "-m", "immediate", "-w", "stop");
                Unprivileged.run(Unprivileged.asAccount(command), directory, 30);
            }
        }
        try (Stream<Path> all = Files.walk(directory)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
