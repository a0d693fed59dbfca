package io.tidepool.internal;

import io.tidepool.RetryPolicy;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Carries out a {@link RetryPolicy}: attempts, backoff with jitter, the budget on the scheduler's time. */
final class Retrying {

    private Retrying() {
    }

    /**
     * Runs {@code attempt} (called once per attempt) and retries it under this policy when it fails, before it
     * emitted anything, with an error whose category {@code retryOn} accepts.
     */
    static <T> Flux<T> run(RetryPolicy policy, Supplier<? extends Flux<T>> attempt, ErrorClassifier classifier,
                           Predicate<ErrorCategory> retryOn, Scheduler scheduler) {
        if (policy.maxAttempts() == 1) {
            return Flux.defer(attempt);
        }
        // the budget is measured in the scheduler's time, as the backoff waits are: virtual time moves both
        Ticks ticks = Ticks.of(scheduler);
        return Flux.defer(() -> attempt(policy, attempt, 1, ticks.nanoTime(), ticks, classifier, retryOn, scheduler));
    }

    // onErrorResume rather than retryWhen: a successful attempt, the common case, pays for two light operators only
    private static <T> Flux<T> attempt(RetryPolicy policy, Supplier<? extends Flux<T>> attempt, int number,
                                       long started, Ticks ticks, ErrorClassifier classifier,
                                       Predicate<ErrorCategory> retryOn, Scheduler scheduler) {
        AtomicBoolean emitted = new AtomicBoolean();
        return Flux.defer(attempt)
                .doOnNext(v -> emitted.lazySet(true))
                .onErrorResume(e -> {
                    if (number >= policy.maxAttempts() || emitted.get() || !retryOn.test(classifier.classify(e))) {
                        return Flux.error(e);
                    }
                    // no attempt may start once the budget has passed: the wait before it counts
                    Duration wait = backoff(policy, number);
                    if (ticks.nanoTime() + wait.toNanos() - started >= policy.budget().toNanos()) {
                        return Flux.error(e);
                    }
                    return Mono.delay(wait, scheduler)
                            .thenMany(attempt(policy, attempt, number + 1, started, ticks, classifier, retryOn,
                                    scheduler));
                });
    }

    /** The wait after attempt {@code number}: doubling from firstBackoff, at most maxBackoff, less a random jitter. */
    private static Duration backoff(RetryPolicy policy, int number) {
        long first = policy.firstBackoff().toNanos();
        long base = number >= 62 ? policy.maxBackoff().toNanos() : Math.min(policy.maxBackoff().toNanos(), first << (number - 1));
        if (base < 0) {
            base = policy.maxBackoff().toNanos();
        }
        long jittered = base - (long) (base * policy.jitter() * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos(Math.max(1, jittered));
    }
}
