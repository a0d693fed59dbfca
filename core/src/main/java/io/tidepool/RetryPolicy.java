package io.tidepool;

import io.tidepool.error.ErrorCategory;

import java.time.Duration;

/**
 * How a failed unit of work is tried again: at most {@link #maxAttempts()} attempts in all, exponential backoff from
 * {@link #firstBackoff()} up to {@link #maxBackoff()} with a random {@link #jitter()}, and no new attempt once
 * {@link #budget()} has passed since the first began (measured in the time of the pool's scheduler: a
 * virtual-time scheduler's own, else {@link System#nanoTime()}). Only errors whose {@link ErrorCategory} is
 * {@link ErrorCategory#retryable() retryable} are retried, and only when the failed attempt emitted nothing (so
 * nothing is seen twice downstream).
 *
 * <p>Immutable; built with {@link #builder()}, which rejects bad values with a message naming option, rule and value.
 */
public final class RetryPolicy {

    private static final RetryPolicy NONE = new RetryPolicy(builder().maxAttempts(1));
    private static final RetryPolicy DEFAULTS = new RetryPolicy(builder());

    private final int maxAttempts;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final double jitter;
    private final Duration budget;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.firstBackoff = b.firstBackoff;
        this.maxBackoff = b.maxBackoff;
        this.jitter = b.jitter;
        this.budget = b.budget;
    }

    /** Never retry. */
    public static RetryPolicy none() {
        return NONE;
    }

    /** 3 attempts, backoff from 20 ms to 1 s with 50 % jitter, within 10 s. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration firstBackoff() {
        return firstBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    public double jitter() {
        return jitter;
    }

    public Duration budget() {
        return budget;
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", firstBackoff=" + firstBackoff + ", maxBackoff="
                + maxBackoff + ", jitter=" + jitter + ", budget=" + budget + "}";
    }

    /** Builds a {@link RetryPolicy}; every setter checks its value at once. Not thread-safe. */
    public static final class Builder {
        private int maxAttempts = 3;
        private Duration firstBackoff = Duration.ofMillis(20);
        private Duration maxBackoff = Duration.ofSeconds(1);
        private double jitter = 0.5;
        private Duration budget = Duration.ofSeconds(10);

        private Builder() {
        }

        /** Attempts in all, the first included; 1 never retries. Default 3. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The wait before the second attempt; doubles after each. Default 20 ms. */
        public Builder firstBackoff(Duration firstBackoff) {
            this.firstBackoff = positive("firstBackoff", firstBackoff);
            return this;
        }

        /** The longest wait between attempts. Default 1 s. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = positive("maxBackoff", maxBackoff);
            return this;
        }

        /** The random part of each wait, from 0 (none) to 1 (up to the whole wait). Default 0.5. */
        public Builder jitter(double jitter) {
            if (!(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("jitter must be between 0 and 1, was " + jitter);
            }
            this.jitter = jitter;
            return this;
        }

        /** No attempt starts once this much time has passed since the first began. Default 10 s. */
        public Builder budget(Duration budget) {
            this.budget = positive("budget", budget);
            return this;
        }

        /** @throws IllegalArgumentException if {@code maxBackoff} is shorter than {@code firstBackoff} */
        public RetryPolicy build() {
            if (maxBackoff.compareTo(firstBackoff) < 0) {
                throw new IllegalArgumentException("maxBackoff must not be shorter than firstBackoff (" + firstBackoff
                        + "), was " + maxBackoff);
            }
            return new RetryPolicy(this);
        }

        private static Duration positive(String option, Duration value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " must not be null");
            }
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(option + " must be positive, was " + value);
            }
            return value;
        }
    }
}
