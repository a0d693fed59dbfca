package io.tidepool.registry;

import io.tidepool.TidepoolPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A connection budget given as a share of the server's connections ({@link PoolRegistry.Builder#connectionBudgetShare}):
 * at start, read what the server allows ordinary roles ({@code max_connections} less the reserved slots) through a
 * started pool, and refuse pools whose {@code maxSize} add up to more than the share of it.
 */
final class ServerBudget {

    /** What ordinary roles may open: {@code max_connections - superuser_reserved_connections - reserved_connections}. */
    static final String USABLE_QUERY = "SELECT current_setting('max_connections')::int4"
            + " - current_setting('superuser_reserved_connections')::int4"
            + " - COALESCE(current_setting('reserved_connections', true)::int4, 0)";

    private ServerBudget() {
    }

    /**
     * The budget in connections, once read through {@code through}; fails with an {@link IllegalStateException}
     * naming the share, the server's figure and every pool when the pools need more.
     */
    static Mono<Integer> check(TidepoolPool through, List<Entry> entries, double share, Duration timeout,
                               Scheduler scheduler) {
        return through.withConnection(c -> Flux.from(c.createStatement(USABLE_QUERY).execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0, Integer.class))))
                .next()
                .timeout(timeout, scheduler)
                .map(usable -> {
                    int budget = (int) Math.floor(usable * share);
                    long needed = entries.stream().mapToLong(e -> e.pool().configuration().maxServerConnections()).sum();
                    if (needed > budget) {
                        throw new IllegalStateException("connection budget " + percent(share) + " of the server's "
                                + usable + " connections (" + budget + ") is exceeded: pools need " + needed + " ("
                                + entries.stream().map(e -> e.name() + "=" + e.pool().configuration().maxServerConnections())
                                .collect(Collectors.joining(", ")) + ")");
                    }
                    return budget;
                });
    }

    static String percent(double share) {
        double p = share * 100;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p)) + " %";
    }
}
