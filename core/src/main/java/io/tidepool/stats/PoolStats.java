package io.tidepool.stats;

/**
 * A snapshot of a pool: its live state (how many connections are allocated, borrowed, idle, and how many callers
 * wait) and its cumulative counts since the pool was built.
 *
 * <p>Taking a snapshot is cheap and never blocks: each figure is read from an atomic counter, so the figures of one
 * snapshot may be a few operations apart under load, but each is exact at the moment it was read.
 *
 * @param poolName the pool's name
 * @param maxSize the configured maximum number of connections
 * @param allocated connections open now (borrowed plus idle)
 * @param acquired connections borrowed now
 * @param idle connections in the pool, ready to be borrowed
 * @param pending callers waiting for a connection now
 * @param maxPending the configured bound of {@code pending}
 * @param acquires connections handed to callers, since the pool was built
 * @param creates connections opened
 * @param createFailures attempts to open a connection that failed or timed out
 * @param destroys connections closed, for any reason
 * @param timeouts acquires that timed out
 * @param validationFailures validations that failed or timed out (each discarded its connection)
 * @param discards connections closed instead of being returned, because they were broken, failed their reset, or
 *        were released while a conversation was still in flight
 * @param leaks connections reported as suspected leaks (borrowed longer than {@code leakDetectionThreshold})
 * @param lane the multiplexed lane's figures ({@link LaneStats#NONE} when the pool does not multiplex)
 */
public record PoolStats(
        String poolName,
        int maxSize,
        int allocated,
        int acquired,
        int idle,
        int pending,
        int maxPending,
        long acquires,
        long creates,
        long createFailures,
        long destroys,
        long timeouts,
        long validationFailures,
        long discards,
        long leaks,
        LaneStats lane) {

    /** A snapshot of a pool without a multiplexed lane. */
    public PoolStats(String poolName, int maxSize, int allocated, int acquired, int idle, int pending, int maxPending,
                     long acquires, long creates, long createFailures, long destroys, long timeouts,
                     long validationFailures, long discards, long leaks) {
        this(poolName, maxSize, allocated, acquired, idle, pending, maxPending, acquires, creates, createFailures,
                destroys, timeouts, validationFailures, discards, leaks, LaneStats.NONE);
    }

    /** The live part, in the words an acquire-timeout message uses: {@code allocated=10/10, acquired=10, idle=0, pending=37}. */
    public String describeState() {
        String state = "allocated=" + allocated + "/" + maxSize + ", acquired=" + acquired + ", idle=" + idle
                + ", pending=" + pending;
        return lane.connections() == 0 && lane.waiting() == 0 ? state : state + ", lane in flight=" + lane.inFlight()
                + ", lane waiting=" + lane.waiting() + ", pinned=" + lane.pinned();
    }
}
