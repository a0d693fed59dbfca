package io.tidepool.pg;

import java.util.Locale;

/**
 * Which role the server behind a new connection must have when the configuration names several hosts: r2dbc-postgresql's
 * {@code targetServerType} values, in Tidepool's words and in the driver's ({@code master}, {@code secondary},
 * {@code preferSecondary}) alike.
 *
 * <p>A server is a <em>standby</em> when new sessions on it are read-only: it is in recovery ({@code in_hot_standby}) or
 * its {@code default_transaction_read_only} is on (as a demoted primary may be set); otherwise it is the <em>primary</em>.
 * This is what r2dbc-postgresql reads with {@code SHOW transaction_read_only}.
 *
 * @since 0.1.0
 */
public enum PgTargetServerType {

    /** The first host that accepts the connection, whatever its role (no role check). */
    ANY,
    /** A host that accepts writes. */
    PRIMARY,
    /** A read-only host (a hot standby). */
    STANDBY,
    /** A read-only host if any answers, else any host that does. */
    PREFER_STANDBY;

    /**
     * The target named {@code value}, case-insensitively: {@code any}, {@code primary} (or {@code master}),
     * {@code standby} (or {@code secondary}), {@code preferStandby} (or {@code preferSecondary}).
     *
     * @throws IllegalArgumentException naming the option and the value when it is none of those
     */
    public static PgTargetServerType parse(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "any":
                return ANY;
            case "primary":
            case "master":
                return PRIMARY;
            case "standby":
            case "secondary":
                return STANDBY;
            case "preferstandby":
            case "prefersecondary":
                return PREFER_STANDBY;
            default:
                throw new IllegalArgumentException("targetServerType must be primary, standby, preferStandby or any, "
                        + "was '" + value + "'");
        }
    }
}
