package io.tidepool.health;

import io.tidepool.PoolState;
import io.tidepool.stats.LaneStats;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One pool's health, as one {@link PoolHealthCheck#check()} found it.
 *
 * @param pool the pool's name
 * @param status the verdict: the worst of the {@code reasons}, {@link HealthStatus#UP} when there are none
 * @param reasons why the status is not {@link HealthStatus#UP}; empty when it is
 * @param state where the pool is in its lifecycle
 * @param probe how the probe round trip went
 * @param saturation the pool's load now and within the recent window
 * @param server the server's connections against {@code max_connections}, when the probe could read them
 * @param leaks connections reported as suspected leaks since the pool was built ({@code PoolStats.leaks()})
 * @param lastError the most recent error the pool saw, if any, whenever it happened
 * @param checkedAt when the check was made, by the check's clock
 * @param replica the standby's lag and rotation, when the pool is a standby pool of a
 *        {@link io.tidepool.replica.ReplicaSet} the check was given ({@link PoolHealthCheck.Builder#replicaOf})
 * @param lane the multiplexed lane's figures (statements in flight per shared connection, waiting, pinned), when the
 *        pool multiplexes
 */
public record PoolHealth(
        String pool,
        HealthStatus status,
        List<Reason> reasons,
        PoolState state,
        Probe probe,
        Saturation saturation,
        Optional<ServerHeadroom> server,
        long leaks,
        Optional<LastError> lastError,
        Instant checkedAt,
        Optional<Replica> replica,
        Optional<LaneStats> lane) {

    /** Copies {@code reasons}. */
    public PoolHealth {
        reasons = List.copyOf(reasons);
    }

    /** The health of a pool that is no standby of a checked replica set. */
    public PoolHealth(String pool, HealthStatus status, List<Reason> reasons, PoolState state, Probe probe,
                      Saturation saturation, Optional<ServerHeadroom> server, long leaks,
                      Optional<LastError> lastError, Instant checkedAt) {
        this(pool, status, reasons, state, probe, saturation, server, leaks, lastError, checkedAt, Optional.empty());
    }

    /** The health of a pool that does not multiplex. */
    public PoolHealth(String pool, HealthStatus status, List<Reason> reasons, PoolState state, Probe probe,
                      Saturation saturation, Optional<ServerHeadroom> server, long leaks,
                      Optional<LastError> lastError, Instant checkedAt, Optional<Replica> replica) {
        this(pool, status, reasons, state, probe, saturation, server, leaks, lastError, checkedAt, replica,
                Optional.empty());
    }

    /** Why a pool is not {@link HealthStatus#UP}; each reason implies a status. */
    public enum Reason {
        /** Every connection is in use and callers wait, or the probe timed out waiting in a busy pool. */
        SATURATED(HealthStatus.DEGRADED),
        /** Acquires timed out within the window, at least {@link HealthThresholds#timeoutsDegradedAt()}. */
        ACQUIRE_TIMEOUTS(HealthStatus.DEGRADED),
        /** The 99th percentile of acquire waits within the window reached {@link HealthThresholds#slowAcquireP99()}. */
        SLOW_ACQUIRE(HealthStatus.DEGRADED),
        /** The server's backends reached {@link HealthThresholds#serverUtilizationDegradedAt()} of {@code max_connections}. */
        SERVER_NEAR_MAX_CONNECTIONS(HealthStatus.DEGRADED),
        /** A connection was reported as a suspected leak within the window. */
        LEAKS(HealthStatus.DEGRADED),
        /** The probe failed: the server refused, dropped or could not be reached. */
        PROBE_FAILED(HealthStatus.DOWN),
        /** The probe timed out while the pool was not busy: the server does not answer. */
        PROBE_TIMED_OUT(HealthStatus.DOWN),
        /** The pool is closing or closed. */
        CLOSED(HealthStatus.DOWN),
        /**
         * The pool is a standby out of its replica set's rotation: more than {@code maxLag} behind, or its lag check
         * failed. Reads go elsewhere; the service still serves.
         */
        REPLICA_BEHIND(HealthStatus.DEGRADED);

        private final HealthStatus status;

        Reason(HealthStatus status) {
            this.status = status;
        }

        /** The status this reason implies. */
        public HealthStatus status() {
            return status;
        }

        /** The lower-case name used in JSON: {@code saturated}, {@code probe_failed}, ... */
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * How the probe went.
     *
     * @param outcome what happened
     * @param took how long it took, acquire included
     * @param category the category of the error, when it failed
     * @param error the error's message, without password or URL, when it failed or timed out
     */
    public record Probe(Outcome outcome, Duration took, Optional<ErrorKind> category, Optional<String> error) {

        /** What the probe's round trip did. */
        public enum Outcome {
            /** It came back in time. */
            OK,
            /** It did not come back within the probe timeout. */
            TIMED_OUT,
            /** It failed. */
            FAILED,
            /** It was not tried: the pool is closed. */
            SKIPPED
        }

        static Probe ok(Duration took) {
            return new Probe(Outcome.OK, took, Optional.empty(), Optional.empty());
        }
    }

    /**
     * The pool's load: live figures from {@link io.tidepool.TidepoolPool#stats()}, and what the check's listener saw
     * within the recent window.
     *
     * @param inUse connections borrowed now
     * @param idle connections idle in the pool now
     * @param max the pool's {@code maxSize}
     * @param pending callers waiting for a connection now
     * @param window how far back the windowed figures reach
     * @param acquires connections handed out within the window
     * @param timeouts acquires that timed out within the window
     * @param p99Wait the 99th percentile of acquire waits within the window; zero with no acquire
     */
    public record Saturation(int inUse, int idle, int max, int pending, Duration window, long acquires, long timeouts,
                             Duration p99Wait) {

        /** {@code inUse / max}. */
        public double utilization() {
            return max == 0 ? 0 : (double) inUse / max;
        }
    }

    /**
     * The server's connections, read through the pool by the probe.
     *
     * @param backends client backends connected to the server now, from every client ({@code pg_stat_activity})
     * @param maxConnections the server's {@code max_connections}
     */
    public record ServerHeadroom(int backends, int maxConnections) {

        /** {@code backends / maxConnections}. */
        public double utilization() {
            return maxConnections == 0 ? 0 : (double) backends / maxConnections;
        }

        /** Connections the server can still accept, superuser reserve included. */
        public int headroom() {
            return Math.max(0, maxConnections - backends);
        }

        /**
         * A pool's share of the server's connections: its {@code maxSize} over {@code maxConnections}; empty when the
         * server reported no {@code max_connections}.
         */
        public Optional<Double> shareOf(int maxSize) {
            return maxConnections > 0 ? Optional.of((double) maxSize / maxConnections) : Optional.empty();
        }
    }

    /**
     * The most recent error the pool reported (opening a connection, an acquire, or a borrower's work).
     *
     * @param category its category
     * @param message its message, without password or URL
     * @param at when it happened, by the check's clock
     */
    public record LastError(ErrorKind category, String message, Instant at) {
    }

    /**
     * This pool's share of the server's connections: its {@code maxSize} (plus the lane's most connections, when it
     * multiplexes) over {@code max_connections}, when the probe
     * read them. Add it up over every pool of every instance (the sizing rule of docs/operations.md): the sum must
     * stay below 1, with room for administration. Behind PgBouncer the server's {@code max_connections} bounds
     * PgBouncer's server pools, not this pool; the share then says nothing.
     */
    public Optional<Double> serverShare() {
        return server.flatMap(s -> s.shareOf(saturation.max() + lane.map(LaneStats::maxConnections).orElse(0)));
    }

    /**
     * A standby's replication, as its replica set's last lag check found it.
     *
     * @param lag how far its replay is behind; empty before the first check and when the check failed
     * @param maxLag the most it may be behind and stay in rotation
     * @param inRotation whether read-only work goes to it
     * @param inRecovery whether it is still a standby (false once promoted)
     * @param error why the last check failed, without password or URL
     */
    public record Replica(Optional<Duration> lag, Duration maxLag, boolean inRotation, boolean inRecovery,
                          Optional<String> error) {
    }

    /** True unless {@link #status()} is {@link HealthStatus#DOWN}. */
    public boolean ready() {
        return status != HealthStatus.DOWN;
    }

    static HealthStatus statusOf(List<Reason> reasons) {
        HealthStatus status = HealthStatus.UP;
        for (Reason reason : reasons) {
            status = status.worst(reason.status());
        }
        return status;
    }
}
