package io.tidepool;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import org.jspecify.annotations.Nullable;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * r2dbc-postgresql's multi-host form, {@code r2dbc:postgresql:failover://h1:5432,h2:5432/db?targetServerType=primary}
 * (and the same under {@code r2dbc:tidepool:} or {@code r2dbc:pool:}): which drivers and protocols name it, the
 * check of its host list, and the target names Tidepool adds ({@code standby}, {@code preferStandby}) translated to
 * the driver's ({@code secondary}, {@code preferSecondary}). The protocol client itself picks, for each new
 * connection, a host that answers and whose role matches the target: r2dbc-postgresql by its
 * {@code SHOW transaction_read_only}, the native client by the same check (from the server's reported parameters
 * when it has them, see pg-client's {@code HostChooser}).
 */
final class MultiHost {

    /** The protocol r2dbc-postgresql reads as "several hosts". */
    static final String FAILOVER = "failover";
    static final Option<Object> TARGET_SERVER_TYPE = Option.valueOf("targetServerType");

    /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}: one element of the host list. */
    private static final Pattern HOST_AND_PORT = Pattern.compile(
            "(?:[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.%\\w]+\\])(?::\\d{1,5})?");

    private static final Map<String, String> TARGETS = Map.of(
            "any", "any",
            "primary", "primary",
            "master", "primary",
            "standby", "secondary",
            "secondary", "secondary",
            "preferstandby", "preferSecondary",
            "prefersecondary", "preferSecondary");

    private MultiHost() {
    }

    /** Whether {@code driver:protocol} is a failover URL: {@code postgresql:failover}, or wrapped, {@code tidepool:postgresql:failover}. */
    static boolean isFailover(@Nullable Object driver, @Nullable Object protocol) {
        return ("postgresql".equals(driver) && FAILOVER.equals(protocol))
                || (("tidepool".equals(driver) || "pool".equals(driver))
                && ("postgresql:" + FAILOVER).equals(protocol));
    }

    /**
     * Checks the host list: each element a host name or address with an optional port. A password holding an
     * unencoded '/' makes the URL parser read part of the user info as the host ({@code user:pa}), which is no host
     * list; the message names neither, as both hold the password.
     */
    static void checkHosts(ConnectionFactoryOptions options) {
        Object hosts = options.getValue(ConnectionFactoryOptions.HOST);
        Object database = options.getValue(ConnectionFactoryOptions.DATABASE);
        boolean bad = !(hosts instanceof CharSequence);
        if (!bad) {
            for (String host : hosts.toString().split(",", -1)) {
                if (!HOST_AND_PORT.matcher(host.trim()).matches()) {
                    bad = true;
                    break;
                }
            }
        }
        // user:123/x@h1,h2/db reads as host "user:123", database "x@h1,h2/db": a database holding '@' gives it away
        if (bad || (database instanceof CharSequence d && d.toString().indexOf('@') >= 0)) {
            throw new IllegalArgumentException("url: its host list (host1:port1,host2:port2) cannot be told from its "
                    + "user info; a password holding '/', '?', '#' or '@' must be percent-encoded in the URL (%2F, "
                    + "%3F, %23, %40), or given as the password option");
        }
        target(options);
    }

    /** The driver's options: protocol {@code failover}, and the target in the driver's words. */
    static ConnectionFactoryOptions driverOptions(ConnectionFactoryOptions options) {
        ConnectionFactoryOptions.Builder driver = ConnectionFactoryOptions.builder().from(options)
                .option(ConnectionFactoryOptions.PROTOCOL, FAILOVER);
        String target = target(options);
        if (target != null) {
            driver.option(TARGET_SERVER_TYPE, target);
        }
        return driver.build();
    }

    /** Whether new connections must go to the primary (the target {@code primary}). */
    static boolean targetsPrimary(ConnectionFactoryOptions options) {
        return "primary".equals(target(options));
    }

    private static @Nullable String target(ConnectionFactoryOptions options) {
        Object value = options.getValue(TARGET_SERVER_TYPE);
        if (value == null) {
            return null;
        }
        String driverName = TARGETS.get(value.toString().trim().toLowerCase(Locale.ROOT));
        if (driverName == null) {
            throw new IllegalArgumentException("targetServerType must be primary, standby, preferStandby or any, was '"
                    + value + "'");
        }
        return driverName;
    }
}
