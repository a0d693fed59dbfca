package io.tidepool.health;

/**
 * How healthy a pool, or a set of pools, is. The constants are in order of severity: {@link #worst(HealthStatus)}
 * picks the later one.
 */
public enum HealthStatus {

    /** The probe made a round trip in time and no threshold is crossed. */
    UP,
    /**
     * The database answers but the pool is struggling: saturated, timing out acquires, slow to hand out connections,
     * or the server is close to {@code max_connections}. The service still serves; it is ready.
     */
    DEGRADED,
    /** The database cannot be used through this pool: unreachable, refusing the credentials, or the pool is closed. */
    DOWN;

    /** The more severe of this and {@code other}. */
    public HealthStatus worst(HealthStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
