package io.tidepool.internal;

import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.RetryPolicy;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A retry policy carried out on virtual time: pure logic, no connection. */
class RetryingTests {

    @Test
    void aRetryBudgetEndsOnTheSchedulersTime() {
        // pure logic, no connection: attempts every 2 virtual s, no new attempt once 5 s have passed
        VirtualTimeScheduler virtual = VirtualTimeScheduler.create();
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(10).firstBackoff(Duration.ofSeconds(2))
                .maxBackoff(Duration.ofSeconds(2)).jitter(0).budget(Duration.ofSeconds(5)).build();
        AtomicInteger attempts = new AtomicInteger();
        List<Long> attemptedAtMillis = new ArrayList<>();
        List<Throwable> failure = new ArrayList<>();
        Retrying.run(policy, () -> Flux.<Integer>defer(() -> {
                    attempts.incrementAndGet();
                    attemptedAtMillis.add(virtual.now(TimeUnit.MILLISECONDS));
                    return Flux.error(new R2dbcTransientResourceException("connection reset"));
                }), ErrorClassifier.defaults(), ErrorCategory::retryable, virtual)
                .subscribe(v -> { }, failure::add);

        virtual.advanceTimeBy(Duration.ofSeconds(60));

        assertThat(attemptedAtMillis).as("attempts at 0, 2, 4 s; at 6 s the 5 s budget is spent")
                .containsExactly(0L, 2_000L, 4_000L);
        assertThat(failure).hasSize(1);
        virtual.dispose();
    }
}
