package io.tidepool.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * A real PgBouncer (the {@code pgbouncer} program, Debian's package) in transaction pooling mode in front of the
 * test server: one per test JVM, started on first use on a free loopback port with a configuration of its own, and
 * stopped by its own pid file when the JVM exits.
 *
 * <p>Clients log in as {@value #ROLE}, a role of the test server with a password; PgBouncer logs in to the server as
 * the same role (its password is in the user list, so SCRAM works both ways). It keeps at most
 * {@value #POOL_SIZE} server connections ({@code default_pool_size}), so 40 clients share 5 backends.
 *
 * <p>PgBouncer refuses to run as root: as root it runs as an unprivileged account ({@code -u}). When
 * {@code pgbouncer} is not installed, {@link #get()} fails saying so: CI installs it ({@code .ci/run}), and a test
 * that needs it must fail, not skip.
 */
public final class TestPgBouncer {

    /** The role clients and PgBouncer log in as. */
    public static final String ROLE = "tp_bouncer";
    /** PgBouncer's {@code default_pool_size}: the most server connections it opens for the test database. */
    public static final int POOL_SIZE = 5;

    private static final String PASSWORD = "tp-Bouncer-5e1d";
    private static final List<String> PROGRAMS = List.of("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer",
            "/usr/local/bin/pgbouncer");

    private static volatile TestPgBouncer instance;

    private final int port;
    private final Path directory;

    private TestPgBouncer(int port, Path directory) {
        this.port = port;
        this.directory = directory;
    }

    /** The shared PgBouncer, started on first use. */
    public static TestPgBouncer get() {
        TestPgBouncer local = instance;
        if (local == null) {
            synchronized (TestPgBouncer.class) {
                local = instance;
                if (local == null) {
                    local = start();
                    instance = local;
                }
            }
        }
        return local;
    }

    /** Where the {@code pgbouncer} program is, or a failure that says how to install it. */
    static String program() {
        for (String candidate : PROGRAMS) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        Unprivileged.Result which = Unprivileged.run(List.of("sh", "-c", "command -v pgbouncer"), Path.of("."), 10);
        if (which.exitCode() == 0 && !which.output().isBlank()) {
            return which.output().trim();
        }
        throw new IllegalStateException("pgbouncer is not installed, and the PgBouncer tests need the real one: "
                + "apt-get install -y pgbouncer (.ci/run installs it)");
    }

    private static TestPgBouncer start() {
        String program = program();
        TestDatabase db = TestDatabase.get();
        db.createRole(ROLE, PASSWORD);
        db.execute("GRANT CREATE ON SCHEMA public TO " + ROLE);
        Path dir = Unprivileged.directory("tidepool-pgbouncer");
        int port = FreePorts.loopback();
        Path pidFile = dir.resolve("pgbouncer.pid");
        try {
            Files.writeString(dir.resolve("hba.conf"), String.join("\n",
                    "host pgbouncer " + ROLE + " 127.0.0.1/32 trust",
                    "host all all 127.0.0.1/32 scram-sha-256", ""));
            Files.writeString(dir.resolve("userlist.txt"), "\"" + ROLE + "\" \"" + PASSWORD + "\"\n");
            Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
                    "[databases]",
                    db.database() + " = host=" + db.host() + " port=" + db.port() + " dbname=" + db.database(),
                    "",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    "listen_port = " + port,
                    // no Unix socket: nothing outside this directory, no clash with a system PgBouncer
                    "unix_socket_dir =",
                    // SCRAM for every client, but trust for the admin console on loopback (read by show(...))
                    "auth_type = hba",
                    "auth_hba_file = " + dir.resolve("hba.conf"),
                    "auth_file = " + dir.resolve("userlist.txt"),
                    "admin_users = " + ROLE,
                    "pool_mode = transaction",
                    "default_pool_size = " + POOL_SIZE,
                    "max_client_conn = 400",
                    // r2dbc-postgresql and pgjdbc send these in the startup packet; PgBouncer refuses unknown ones
                    "ignore_startup_parameters = extra_float_digits,options",
                    "server_tls_sslmode = disable",
                    "logfile = " + dir.resolve("pgbouncer.log"),
                    "pidfile = " + pidFile,
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException("could not write PgBouncer's configuration", e);
        }
        Unprivileged.chownTree(dir);
        List<String> command = new ArrayList<>(List.of(program, "-d"));
        if (Unprivileged.isRoot()) {
            command.addAll(List.of("-u", Unprivileged.account()));
        }
        command.add(dir.resolve("pgbouncer.ini").toString());
        Unprivileged.Result started = Unprivileged.run(command, dir, 30);
        if (started.exitCode() != 0) {
            throw new IllegalStateException("pgbouncer did not start (exit " + started.exitCode() + "): "
                    + started.output() + log(dir));
        }
        TestPgBouncer bouncer = new TestPgBouncer(port, dir);
        Runtime.getRuntime().addShutdownHook(new Thread(bouncer::stop, "tidepool-test-pgbouncer-stop"));
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(pidFile) && accepts(port));
        } catch (RuntimeException e) {
            throw new IllegalStateException("pgbouncer did not come up on 127.0.0.1:" + port + log(dir), e);
        }
        return bouncer;
    }

    private static String log(Path dir) {
        try {
            Path log = dir.resolve("pgbouncer.log");
            return Files.exists(log) ? "\n" + Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops this PgBouncer by the pid in its own pid file (SIGTERM, then SIGKILL after 10 s). */
    void stop() {
        try {
            Path pidFile = directory.resolve("pgbouncer.pid");
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).ifPresent(process -> {
                process.destroy();
                try {
                    process.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    process.destroyForcibly();
                }
            });
            try (java.util.stream.Stream<Path> all = Files.walk(directory)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } catch (IOException | NumberFormatException e) {
            // the JVM is exiting: nothing left to report to
        }
    }

    public int port() {
        return port;
    }

    /**
     * An {@code r2dbc:postgresql://} URL through PgBouncer, with the given extra query (and the protocol client of
     * {@link TestDatabase#CLIENT_PROPERTY}, when set).
     */
    public String r2dbcUrl(String query) {
        TestDatabase db = TestDatabase.get();
        return TestDatabase.withTestClient("r2dbc:postgresql://" + ROLE + ":" + PASSWORD + "@127.0.0.1:" + port + "/" + db.database()
                + (query == null || query.isEmpty() ? "" : "?" + query));
    }

    /** An {@code r2dbc:postgresql://} URL straight to the test server as the same role, bypassing PgBouncer. */
    public String directR2dbcUrl(String query) {
        TestDatabase db = TestDatabase.get();
        return TestDatabase.withTestClient("r2dbc:postgresql://" + ROLE + ":" + PASSWORD + "@" + db.host() + ":" + db.port() + "/"
                + db.database() + (query == null || query.isEmpty() ? "" : "?" + query));
    }

    /**
     * A {@code SHOW ...} command of PgBouncer's admin console ({@code SHOW SERVERS}, {@code SHOW POOLS},
     * {@code SHOW CLIENTS}), its rows as column-name maps of text. The console speaks only the simple query
     * protocol, and refuses pgjdbc's {@code extra_float_digits}; {@link AdminConsole} speaks just enough of the
     * protocol.
     */
    public List<Map<String, String>> show(String what) {
        return AdminConsole.query(port, ROLE, "SHOW " + what);
    }

    /**
     * {@code RECONNECT}: PgBouncer closes each server connection once it is released and opens new ones, as
     * {@code server_lifetime} and {@code server_idle_timeout} do all the time in production.
     */
    public void reconnectServers() {
        AdminConsole.query(port, ROLE, "RECONNECT");
    }

    /** PgBouncer's server connections to the test database that are linked to a client now ({@code active}). */
    public long activeServers() {
        return show("SERVERS").stream()
                .filter(row -> TestDatabase.get().database().equals(row.get("database")))
                .filter(row -> "active".equals(row.get("state")))
                .count();
    }

    /** The server's backends of {@link #ROLE} (PgBouncer's server connections), and how many idle in transaction. */
    public TestDatabase.ServerBackends serverBackends() {
        List<Map<String, Object>> rows = TestDatabase.get().query(
                "SELECT state FROM pg_stat_activity WHERE usename = '" + ROLE + "'");
        int idleInTransaction = 0;
        for (Map<String, Object> row : rows) {
            Object state = row.get("state");
            if (state != null && state.toString().startsWith("idle in transaction")) {
                idleInTransaction++;
            }
        }
        return new TestDatabase.ServerBackends(rows.size(), idleInTransaction);
    }
}
