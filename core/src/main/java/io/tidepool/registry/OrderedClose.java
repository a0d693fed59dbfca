package io.tidepool.registry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** Closes pools one after another, in the given order, within one deadline. */
final class OrderedClose {

    private static final Logger log = LoggerFactory.getLogger(PoolRegistry.class);

    private OrderedClose() {
    }

    /**
     * Closes each pool after the previous one has closed; a failed close is noted and the next pool closes anyway.
     * When {@code deadline} elapses, every pool not yet closed is asked to close at once and the answer fails with
     * {@link RegistryStopException} naming them; it also fails, after closing them all, if any close failed.
     */
    static Mono<Void> close(List<Entry> order, Duration deadline, Scheduler scheduler) {
        Map<String, Throwable> closeFailures = Collections.synchronizedMap(new LinkedHashMap<>());
        return Flux.fromIterable(order)
                .concatMap(e -> e.close().onErrorResume(error -> {
                    closeFailures.put(e.name(), error);
                    return Mono.empty();
                }))
                .then()
                .timeout(deadline, scheduler)
                .onErrorResume(TimeoutException.class, timeout -> {
                    List<Entry> unclosed = order.stream().filter(e -> !e.isClosed()).toList();
                    // past the deadline nothing waits its turn: each remaining pool closes within its closeTimeout
                    unclosed.forEach(e -> e.close().subscribe(null, error -> log.warn(
                            "pool '{}' closed with an error after the stop deadline: {}", e.name(), error.toString())));
                    List<String> names = unclosed.stream().map(Entry::name).toList();
                    return Mono.error(new RegistryStopException("registry stop deadline of " + deadline.toMillis()
                            + " ms elapsed with pools still closing: " + String.join(", ", names)
                            + "; they were asked to close at once and finish within their closeTimeout",
                            names, snapshot(closeFailures)));
                })
                .then(Mono.defer(() -> {
                    Map<String, Throwable> failed = snapshot(closeFailures);
                    if (failed.isEmpty()) {
                        return Mono.empty();
                    }
                    return Mono.error(new RegistryStopException("registry stopped, but closing failed for "
                            + failed.entrySet().stream().map(f -> f.getKey() + ": " + f.getValue().getMessage())
                            .collect(Collectors.joining("; ")), List.of(), failed));
                }));
    }

    private static Map<String, Throwable> snapshot(Map<String, Throwable> synchronizedMap) {
        synchronized (synchronizedMap) {
            return new LinkedHashMap<>(synchronizedMap);
        }
    }
}
