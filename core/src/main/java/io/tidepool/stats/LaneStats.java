package io.tidepool.stats;

import java.util.List;

/**
 * The multiplexed lane of a pool at one moment (see {@code PoolConfiguration.multiplexed()}): its shared server
 * connections, the statements in flight on each, those waiting for room, and the borrowers pinned to a connection of
 * their own. All zero and empty for a pool that does not multiplex.
 *
 * @param inFlight statements in flight (written and not fully answered) on each shared connection, one entry per
 *        connection open now
 * @param waiting statements waiting for room on a shared connection
 * @param pinned virtual connections pinned now to a connection of their own (counted in the pool's
 *        {@code acquired} once their pin is taken)
 * @param pins borrowers pinned since the pool was built
 * @param maxConnections the most shared connections the lane opens ({@code multiplexMaxConnections}); 0 without a lane
 * @since 0.2.0
 */
public record LaneStats(List<Integer> inFlight, int waiting, int pinned, long pins, int maxConnections) {

    /** The figures of a pool without a lane. */
    public static final LaneStats NONE = new LaneStats(List.of(), 0, 0, 0, 0);

    /** Copies {@code inFlight}, so a snapshot never changes. */
    public LaneStats {
        inFlight = List.copyOf(inFlight);
    }

    /** Shared connections open now. */
    public int connections() {
        return inFlight.size();
    }

    /** Statements in flight on all shared connections together. */
    public int totalInFlight() {
        int sum = 0;
        for (int n : inFlight) {
            sum += n;
        }
        return sum;
    }

    /** Statements in flight on the busiest shared connection. */
    public int mostInFlight() {
        int most = 0;
        for (int n : inFlight) {
            most = Math.max(most, n);
        }
        return most;
    }
}
