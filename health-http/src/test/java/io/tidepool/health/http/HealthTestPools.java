package io.tidepool.health.http;

import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.testing.TestDatabase;

import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;

/**
 * Pools for the health tests. They log in as a role of their own with a random password, so that a test can scan
 * every output for that password (the test server's own password, {@code postgres}, is also its user and database
 * name and so cannot be scanned for).
 *
 * <p>A copy of the health module's own: this module is built in the demo's reactor, whose {@code compile exec:java}
 * resolves test scope, so it may use no test-jar.
 */
public final class HealthTestPools {

    /** The role the test pools log in as. */
    public static final String ROLE = "tidepool_health";
    /** Its password: random, and found nowhere else. */
    public static final String PASSWORD = "pw-" + UUID.randomUUID().toString().replace("-", "");

    private static volatile boolean roleCreated;
    private static volatile boolean warmedUp;

    private HealthTestPools() {
    }

    /** A builder for a pool on the test server, logged in as {@link #ROLE}, with a fresh name. */
    public static PoolConfiguration.Builder builder(String prefix) {
        warmUp();
        TestDatabase db = TestDatabase.get();
        return PoolConfiguration.builder()
                .url(url(db.host(), db.port()))
                .name(TestDatabase.uniqueApplicationName(prefix));
    }

    /**
     * The URL of a pool named {@code name} on the test server with the {@code tidepool} driver
     * ({@code r2dbc:tidepool:postgresql://...?name=NAME}), as Spring Boot's {@code spring.r2dbc.url} would name it.
     */
    public static String tidepoolUrl(String name) {
        warmUp();
        TestDatabase db = TestDatabase.get();
        return url(db.host(), db.port()).replace("r2dbc:", "r2dbc:tidepool:") + "?name=" + name;
    }

    /** A builder for a pool whose server cannot be reached: a local port nothing listens on. */
    public static PoolConfiguration.Builder unreachable(String prefix) {
        warmUp();
        return PoolConfiguration.builder()
                .url(url("127.0.0.1", freePort()))
                .name(TestDatabase.uniqueApplicationName(prefix));
    }

    /**
     * A health check with a probe timeout long enough for a loaded test machine (2 shared cores): tests that are not
     * about the probe timeout must not fail because opening a connection took more than the default second.
     */
    public static PoolHealthCheck check(TidepoolPool pool) {
        return PoolHealthCheck.builder(pool).thresholds(patient()).build();
    }

    /** Default thresholds but a probe timeout of 5 s. */
    public static HealthThresholds patient() {
        return HealthThresholds.builder().probeTimeout(Duration.ofSeconds(5)).build();
    }

    /** The URL the test pools use, password included: it must appear in no output. */
    public static String url(String host, int port) {
        return "r2dbc:postgresql://" + ROLE + ":" + PASSWORD + "@" + host + ":" + port + "/"
                + TestDatabase.get().database();
    }

    /** Lets {@link #ROLE} log in, or not: a way to make the database refuse a pool. */
    public static void allowLogin(boolean allowed) {
        ensureRole();
        TestDatabase.get().execute("ALTER ROLE " + ROLE + (allowed ? " LOGIN" : " NOLOGIN"));
    }

    /**
     * Opens and closes one pool, once per JVM, so that class loading and Netty's first start are not charged to the
     * first probe of a test: probe timeouts are short.
     */
    private static synchronized void warmUp() {
        ensureRole();
        if (warmedUp) {
            return;
        }
        TestDatabase db = TestDatabase.get();
        // the first connection of a JVM on a loaded machine can take longer than the default createTimeout
        TidepoolPool pool = PoolConfiguration.builder().url(url(db.host(), db.port())).name("health-warm-up")
                .createTimeout(Duration.ofSeconds(30)).acquireTimeout(Duration.ofSeconds(40)).buildPool();
        pool.withConnection(c -> Mono.from(c.createStatement("SELECT 1").execute())).then()
                .then(pool.close()).block(Duration.ofSeconds(30));
        warmedUp = true;
    }

    private static synchronized void ensureRole() {
        if (roleCreated) {
            return;
        }
        TestDatabase db = TestDatabase.get();
        if (db.query("SELECT 1 FROM pg_roles WHERE rolname = '" + ROLE + "'").isEmpty()) {
            db.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
        } else {
            db.execute("ALTER ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
        roleCreated = true;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
