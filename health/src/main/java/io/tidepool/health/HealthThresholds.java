package io.tidepool.health;

import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * When a pool's health check says {@link HealthStatus#DEGRADED} rather than {@link HealthStatus#UP}, and how it
 * probes. Immutable; made by {@link #builder()}, every option with a default ({@link #defaults()}).
 *
 * <p>A bad value fails at once with an {@link IllegalArgumentException} that names the option and quotes the value.
 */
public final class HealthThresholds {

    /** Default {@link Builder#probeTimeout(Duration)}. */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** Default {@link Builder#window(Duration)}. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
    /** Default {@link Builder#saturatedPending(int)}. */
    public static final int DEFAULT_SATURATED_PENDING = 1;
    /** Default {@link Builder#timeoutsDegradedAt(int)}. */
    public static final int DEFAULT_TIMEOUTS_DEGRADED_AT = 1;
    /** Default {@link Builder#slowAcquireP99(Duration)}. */
    public static final Duration DEFAULT_SLOW_ACQUIRE_P99 = Duration.ofSeconds(1);
    /** Default {@link Builder#serverUtilizationDegradedAt(double)}. */
    public static final double DEFAULT_SERVER_UTILIZATION_DEGRADED_AT = 0.9;

    private static final HealthThresholds DEFAULTS = builder().build();

    private final Duration probeTimeout;
    private final Duration window;
    private final int saturatedPending;
    private final int timeoutsDegradedAt;
    private final Duration slowAcquireP99;
    private final double serverUtilizationDegradedAt;
    private final boolean serverHeadroom;

    private HealthThresholds(Builder b) {
        this.probeTimeout = b.probeTimeout;
        this.window = b.window;
        this.saturatedPending = b.saturatedPending;
        this.timeoutsDegradedAt = b.timeoutsDegradedAt;
        this.slowAcquireP99 = b.slowAcquireP99;
        this.serverUtilizationDegradedAt = b.serverUtilizationDegradedAt;
        this.serverHeadroom = b.serverHeadroom;
    }

    /** Every option at its default. */
    public static HealthThresholds defaults() {
        return DEFAULTS;
    }

    /** A builder with every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The most the probe (acquire plus one round trip) may take. The probe never waits longer than half the pool's
     * own {@code acquireTimeout} either, so that a probe in a saturated pool gives up before the pool would count
     * it as an acquire timeout. Default 1 s.
     */
    public Duration probeTimeout() {
        return probeTimeout;
    }

    /** How far back acquire waits, acquire timeouts and errors are remembered. Default 1 min. */
    public Duration window() {
        return window;
    }

    /** With every connection in use, this many waiting callers make the pool saturated. Default 1. */
    public int saturatedPending() {
        return saturatedPending;
    }

    /** This many acquire timeouts within the window make the pool degraded. Default 1. */
    public int timeoutsDegradedAt() {
        return timeoutsDegradedAt;
    }

    /** A 99th percentile of acquire waits within the window at or above this makes the pool degraded. Default 1 s. */
    public Duration slowAcquireP99() {
        return slowAcquireP99;
    }

    /** Server backends over {@code max_connections} at or above this fraction make the pool degraded. Default 0.9. */
    public double serverUtilizationDegradedAt() {
        return serverUtilizationDegradedAt;
    }

    /** Whether the probe also reads the server's backends and {@code max_connections}. Default true. */
    public boolean serverHeadroom() {
        return serverHeadroom;
    }

    @Override
    public String toString() {
        return "HealthThresholds{probeTimeout=" + probeTimeout + ", window=" + window + ", saturatedPending="
                + saturatedPending + ", timeoutsDegradedAt=" + timeoutsDegradedAt + ", slowAcquireP99="
                + slowAcquireP99 + ", serverUtilizationDegradedAt=" + serverUtilizationDegradedAt
                + ", serverHeadroom=" + serverHeadroom + "}";
    }

    /** Builds {@link HealthThresholds}; not thread-safe, every setter checks its value and returns this builder. */
    public static final class Builder {

        private Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
        private Duration window = DEFAULT_WINDOW;
        private int saturatedPending = DEFAULT_SATURATED_PENDING;
        private int timeoutsDegradedAt = DEFAULT_TIMEOUTS_DEGRADED_AT;
        private Duration slowAcquireP99 = DEFAULT_SLOW_ACQUIRE_P99;
        private double serverUtilizationDegradedAt = DEFAULT_SERVER_UTILIZATION_DEGRADED_AT;
        private boolean serverHeadroom = true;

        private Builder() {
        }

        /** See {@link HealthThresholds#probeTimeout()}; positive. */
        public Builder probeTimeout(Duration probeTimeout) {
            this.probeTimeout = positive("probeTimeout", probeTimeout);
            return this;
        }

        /** See {@link HealthThresholds#window()}; at least one second. */
        public Builder window(Duration window) {
            positive("window", window);
            if (window.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("window must be at least 1 s, was " + window);
            }
            this.window = window;
            return this;
        }

        /** See {@link HealthThresholds#saturatedPending()}; at least 1. */
        public Builder saturatedPending(int saturatedPending) {
            this.saturatedPending = atLeastOne("saturatedPending", saturatedPending);
            return this;
        }

        /** See {@link HealthThresholds#timeoutsDegradedAt()}; at least 1. */
        public Builder timeoutsDegradedAt(int timeoutsDegradedAt) {
            this.timeoutsDegradedAt = atLeastOne("timeoutsDegradedAt", timeoutsDegradedAt);
            return this;
        }

        /** See {@link HealthThresholds#slowAcquireP99()}; positive. */
        public Builder slowAcquireP99(Duration slowAcquireP99) {
            this.slowAcquireP99 = positive("slowAcquireP99", slowAcquireP99);
            return this;
        }

        /** See {@link HealthThresholds#serverUtilizationDegradedAt()}; above 0, at most 1. */
        public Builder serverUtilizationDegradedAt(double fraction) {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException(
                        "serverUtilizationDegradedAt must be above 0 and at most 1, was " + fraction);
            }
            this.serverUtilizationDegradedAt = fraction;
            return this;
        }

        /**
         * The probe runs {@code SELECT 1} only, and reads nothing of the server's connections: for a role that
         * may not read {@code pg_stat_activity}, or a proxy (PgBouncer) that does not pass it on.
         */
        public Builder serverHeadroomDisabled() {
            this.serverHeadroom = false;
            return this;
        }

        /** The thresholds. */
        public HealthThresholds build() {
            return new HealthThresholds(this);
        }

        private static Duration positive(String option, @Nullable Duration value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " must not be null");
            }
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(option + " must be positive, was " + value);
            }
            return value;
        }

        private static int atLeastOne(String option, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(option + " must be at least 1, was " + value);
            }
            return value;
        }
    }
}
