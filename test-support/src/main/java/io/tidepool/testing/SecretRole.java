package io.tidepool.testing;

import io.r2dbc.spi.ConnectionFactories;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;

/**
 * A role on the test server with a random password found nowhere else, so that a test can scan every output for it
 * (the server's own password, {@code postgres}, is also its user and database name and cannot be scanned for). One
 * per JVM; the first use also opens and closes one connection through the R2DBC driver, so that class loading and
 * Netty's first start are not charged to a test's short probe timeout.
 */
public final class SecretRole {

    /** The role's name. */
    public static final String ROLE = "tidepool_health";
    /** Its password: random. */
    public static final String PASSWORD = "pw-" + UUID.randomUUID().toString().replace("-", "");

    private static volatile boolean ready;

    private SecretRole() {
    }

    /**
     * The role's {@code r2dbc:postgresql://} URL to {@code host:port}, password included, with the client of
     * {@link TestDatabase#CLIENT_PROPERTY} when set.
     */
    public static String url(String host, int port) {
        return TestDatabase.withTestClient(driverUrl(host, port));
    }

    /** The role's URL to {@code host:port} with no pool option: for the driver itself. */
    private static String driverUrl(String host, int port) {
        return "r2dbc:postgresql://" + ROLE + ":" + PASSWORD + "@" + host + ":" + port + "/"
                + TestDatabase.get().database();
    }

    /** The role's URL to the test server, the role created and the driver warmed up. */
    public static String url() {
        ensureReady();
        TestDatabase db = TestDatabase.get();
        return url(db.host(), db.port());
    }

    /** The role's URL to a local port nothing listens on. */
    public static String unreachableUrl() {
        ensureReady();
        try (ServerSocket socket = new ServerSocket(0)) {
            return url("127.0.0.1", socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lets the role log in, or not: a way to make the database refuse a pool. */
    public static void allowLogin(boolean allowed) {
        ensureReady();
        TestDatabase.get().execute("ALTER ROLE " + ROLE + (allowed ? " LOGIN" : " NOLOGIN"));
    }

    private static synchronized void ensureReady() {
        if (ready) {
            return;
        }
        TestDatabase db = TestDatabase.get();
        if (db.query("SELECT 1 FROM pg_roles WHERE rolname = '" + ROLE + "'").isEmpty()) {
            db.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
        } else {
            db.execute("ALTER ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
        // the first connection of a JVM on a loaded machine can take longer than a pool's default createTimeout
        Mono.usingWhen(Mono.from(ConnectionFactories.get(driverUrl(db.host(), db.port()) + "?connectTimeout=PT30S").create()),
                        c -> Flux.from(c.createStatement("SELECT 1").execute()).then(),
                        c -> c.close())
                .block(Duration.ofSeconds(40));
        ready = true;
    }
}
