package io.tidepool.health.micrometer;

import io.micrometer.core.instrument.Meter;

/**
 * Every meter {@link TidepoolMeterBinder} publishes: its name, type, base unit and description, declared once.
 * Names follow the OpenTelemetry database client conventions ({@code db.client.connection.*}); Tidepool's own
 * meters start with {@code tidepool.connection.}. Every meter carries the tag {@value #POOL_NAME}.
 */
public enum TidepoolMeters {

    /** Open connections by {@value #STATE}: {@code idle} (in the pool) or {@code used} (borrowed). */
    CONNECTION_COUNT("db.client.connection.count", Meter.Type.GAUGE, "connections",
            "Open connections, by state: idle in the pool or used by a borrower"),
    /** The most idle connections the pool keeps: its {@code maxSize}, as Tidepool has no separate idle cap. */
    IDLE_MAX("db.client.connection.idle.max", Meter.Type.GAUGE, "connections",
            "The most idle connections the pool keeps (its maxSize)"),
    /** The idle connections the pool keeps at least: {@code minIdle}. */
    IDLE_MIN("db.client.connection.idle.min", Meter.Type.GAUGE, "connections",
            "The idle connections the pool keeps at least (its minIdle)"),
    /** The most connections the pool opens: {@code maxSize}. */
    MAX("db.client.connection.max", Meter.Type.GAUGE, "connections",
            "The most connections the pool opens (its maxSize)"),
    /** Callers waiting for a connection now. */
    PENDING_REQUESTS("db.client.connection.pending_requests", Meter.Type.GAUGE, "requests",
            "Callers waiting for a connection now"),
    /** Acquires that timed out, since the pool was built. */
    TIMEOUTS("db.client.connection.timeouts", Meter.Type.COUNTER, "timeouts",
            "Acquires that waited longer than the pool's acquireTimeout"),
    /** How long opening a connection took, for connections that opened. */
    CREATE_TIME("db.client.connection.create_time", Meter.Type.TIMER, "seconds",
            "Time to open a new connection"),
    /** How long a caller waited for a connection, validation included, for acquires that got one. */
    WAIT_TIME("db.client.connection.wait_time", Meter.Type.TIMER, "seconds",
            "Time a caller waited for a connection, validation included"),
    /** How long a borrower held a connection. */
    USE_TIME("db.client.connection.use_time", Meter.Type.TIMER, "seconds",
            "Time a borrower held a connection before returning it"),
    /** Connections reported as suspected leaks (borrowed longer than the pool's leakDetectionThreshold). */
    LEAKS("tidepool.connection.leaks", Meter.Type.COUNTER, "leaks",
            "Connections reported as leaked: held past the leak threshold without being returned"),
    /** Idle connections that failed their validation (or did not answer in time) and were discarded. */
    VALIDATION_FAILURES("tidepool.connection.validation.failures", Meter.Type.COUNTER, "failures",
            "Idle connections that failed validation and were discarded"),
    /** Connections closed instead of returned: broken, failed their reset, or released mid-conversation. */
    DISCARDS("tidepool.connection.discards", Meter.Type.COUNTER, "discards",
            "Connections closed instead of returned to the pool: broken, failed reset, or released mid-conversation"),
    /** The multiplexed lane's shared server connections open now (only for a pool with {@code multiplex=true}). */
    LANE_CONNECTIONS("tidepool.lane.connections", Meter.Type.GAUGE, "connections",
            "Server connections the multiplexed lane shares among borrowers"),
    /** Statements in flight on all of the lane's connections together. */
    LANE_IN_FLIGHT("tidepool.lane.statements.in_flight", Meter.Type.GAUGE, "statements",
            "Statements in flight on the multiplexed lane's connections"),
    /** Statements in flight on the lane's busiest connection. */
    LANE_IN_FLIGHT_MAX("tidepool.lane.statements.in_flight.max", Meter.Type.GAUGE, "statements",
            "Statements in flight on the multiplexed lane's busiest connection"),
    /** Statements waiting for room on a lane connection. */
    LANE_WAITING("tidepool.lane.statements.waiting", Meter.Type.GAUGE, "statements",
            "Statements waiting for room on a multiplexed lane connection"),
    /** Borrowers pinned now to a connection of their own. */
    LANE_PINNED("tidepool.lane.pinned", Meter.Type.GAUGE, "borrowers",
            "Multiplexed borrowers pinned now to a connection of their own"),
    /** Borrowers pinned since the pool was built. */
    LANE_PINS("tidepool.lane.pins", Meter.Type.COUNTER, "borrowers",
            "Multiplexed borrowers that pinned a connection of their own (a transaction or session state)"),
    /**
     * This pool's share of the server's {@code max_connections}: its {@code maxSize} over {@code max_connections}, as
     * the pool's health check last read the server. Summed over every pool of every instance, it must stay below 1
     * (docs/operations.md). Published only with {@link TidepoolMeterBinder.Builder#serverFrom}; NaN until the check
     * has read the server.
     */
    SERVER_SHARE("tidepool.connection.server.share", Meter.Type.GAUGE, "ratio",
            "This pool's maxSize over the server's max_connections, as the health check last read them"),
    /**
     * Connections the server can still accept ({@code max_connections} minus its client backends from every client),
     * as the pool's health check last read them. Published only with {@link TidepoolMeterBinder.Builder#serverFrom};
     * NaN until the check has read the server.
     */
    SERVER_HEADROOM("tidepool.connection.server.headroom", Meter.Type.GAUGE, "connections",
            "Connections the server can still accept (max_connections minus client backends), as the health check "
                    + "last read them"),
    /** Errors by {@value #CATEGORY}: failed connection opens, failed acquires and failed work. */
    ERRORS("tidepool.connection.errors", Meter.Type.COUNTER, "errors",
            "Errors seen by the pool (failed opens, failed acquires, failed work), by category");

    /** The tag every meter carries: the pool's name. */
    public static final String POOL_NAME = "db.client.connection.pool.name";
    /** The tag of {@link #CONNECTION_COUNT}: {@code idle} or {@code used}. */
    public static final String STATE = "db.client.connection.state";
    /** The tag of {@link #ERRORS}: an {@link io.tidepool.health.ErrorKind#tagValue()}. */
    public static final String CATEGORY = "category";

    private final String meterName;
    private final Meter.Type type;
    private final String baseUnit;
    private final String description;

    TidepoolMeters(String meterName, Meter.Type type, String baseUnit, String description) {
        this.meterName = meterName;
        this.type = type;
        this.baseUnit = baseUnit;
        this.description = description;
    }

    /** The meter's name, dotted as Micrometer takes it. */
    public String meterName() {
        return meterName;
    }

    /** The meter's type. */
    public Meter.Type type() {
        return type;
    }

    /** The meter's base unit. */
    public String baseUnit() {
        return baseUnit;
    }

    /** The meter's description. */
    public String description() {
        return description;
    }
}
