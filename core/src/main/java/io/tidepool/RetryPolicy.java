package io.tidepool;

import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.internal.Ticks;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * How a failed unit of work is tried again: at most {@link #maxAttempts()} attempts in all, exponential backoff from
 * {@link #firstBackoff()} up to {@link #maxBackoff()} with a random {@link #jitter()}, and no new attempt once
 * {@link #budget()} has passed since the first began (measured in the time of the scheduler given to {@link #run}: a
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

    /**
     * Runs {@code attempt} (called once per attempt) and retries it under this policy when it fails, before it
     * emitted anything, with an error whose category {@code retryOn} accepts.
     */
    public <T> Flux<T> run(Supplier<? extends Flux<T>> attempt, ErrorClassifier classifier,
                           Predicate<ErrorCategory> retryOn, Scheduler scheduler) {
        if (maxAttempts == 1) {
            return Flux.defer(attempt);
        }
        // the budget is measured in the scheduler's time, as the backoff waits are: virtual time moves both
        Ticks ticks = Ticks.of(scheduler);
        return Flux.defer(() -> attempt(attempt, 1, ticks.nanoTime(), ticks, classifier, retryOn, scheduler));
    }

    // onErrorResume rather than retryWhen: a successful attempt, the common case, pays for two light operators only
    private <T> Flux<T> attempt(Supplier<? extends Flux<T>> attempt, int number, long started, Ticks ticks,
                                ErrorClassifier classifier, Predicate<ErrorCategory> retryOn, Scheduler scheduler) {
        AtomicBoolean emitted = new AtomicBoolean();
        return Flux.defer(attempt)
                .doOnNext(v -> emitted.lazySet(true))
                .onErrorResume(e -> {
                    if (number >= maxAttempts || emitted.get() || !retryOn.test(classifier.classify(e))) {
                        return Flux.error(e);
                    }
                    // no attempt may start once the budget has passed: the wait before it counts
                    Duration wait = backoff(number);
                    if (ticks.nanoTime() + wait.toNanos() - started >= budget.toNanos()) {
                        return Flux.error(e);
                    }
                    return Mono.delay(wait, scheduler)
                            .thenMany(attempt(attempt, number + 1, started, ticks, classifier, retryOn, scheduler));
                });
    }

    /** The wait after attempt {@code number}: doubling from firstBackoff, at most maxBackoff, less a random jitter. */
    private Duration backoff(int number) {
        long first = firstBackoff.toNanos();
        long base = number >= 62 ? maxBackoff.toNanos() : Math.min(maxBackoff.toNanos(), first << (number - 1));
        if (base < 0) {
            base = maxBackoff.toNanos();
        }
        long jittered = base - (long) (base * jitter * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos(Math.max(1, jittered));
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
