package io.tidepool.test;

import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What a steady load under a fault came to: its successes, its failures by category, and when it last succeeded. */
public final class LoadTally {

    private final LongAdder ok = new LongAdder();
    private final Map<ErrorCategory, LongAdder> failed = new ConcurrentHashMap<>();
    private final AtomicLong lastOkNanos = new AtomicLong();

    /** Counts one request of the load: a success, or a failure by its category (which it then swallows). */
    public <T> Flux<T> counted(Flux<T> request) {
        return request
                .doOnNext(v -> {
                    ok.increment();
                    lastOkNanos.set(System.nanoTime());
                })
                .onErrorResume(e -> {
                    failed.computeIfAbsent(ErrorClassifier.defaults().classify(e), k -> new LongAdder()).increment();
                    return Mono.empty();
                });
    }

    public long ok() {
        return ok.sum();
    }

    public long failures() {
        return failed.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** The failures by category, live. */
    public Map<ErrorCategory, LongAdder> failed() {
        return failed;
    }

    /** When the last success came ({@link System#nanoTime()}), 0 before any. */
    public long lastOkNanos() {
        return lastOkNanos.get();
    }
}
