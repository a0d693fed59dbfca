package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.testing.SecretRole;
import io.tidepool.testing.TestDatabase;

import java.time.Duration;

/**
 * Pools for these tests: each logs in as {@link SecretRole}, whose random password a test can scan every output for,
 * and has a fresh name.
 */
public final class HealthTestPools {

    /** The role the test pools log in as. */
    public static final String ROLE = SecretRole.ROLE;
    /** Its password: random, and found nowhere else. */
    public static final String PASSWORD = SecretRole.PASSWORD;

    private HealthTestPools() {
    }

    /** A builder for a pool on the test server, logged in as {@link #ROLE}, with a fresh name. */
    public static PoolConfiguration.Builder builder(String prefix) {
        return PoolConfiguration.builder().url(SecretRole.url()).name(TestDatabase.uniqueApplicationName(prefix));
    }

    /**
     * The URL of a pool named {@code name} on the test server with the {@code tidepool} driver
     * ({@code r2dbc:tidepool:postgresql://...?name=NAME}), as Spring Boot's {@code spring.r2dbc.url} would name it.
     */
    public static String tidepoolUrl(String name) {
        return TestDatabase.withOption(SecretRole.url().replace("r2dbc:", "r2dbc:tidepool:"), "name", name);
    }

    /** A builder for a pool whose server cannot be reached: a local port nothing listens on. */
    public static PoolConfiguration.Builder unreachable(String prefix) {
        return PoolConfiguration.builder().url(SecretRole.unreachableUrl())
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
        return SecretRole.url(host, port);
    }

    /** Lets {@link #ROLE} log in, or not: a way to make the database refuse a pool. */
    public static void allowLogin(boolean allowed) {
        SecretRole.allowLogin(allowed);
    }
}
