package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.pool.PooledRef;

import java.time.Duration;

/** Whether a connection still works: when to ask (on acquire, after idling), how (the query or the driver's check), and what a failure costs. */
final class Validation {

    private static final Logger log = LoggerFactory.getLogger(Validation.class);

    private final PoolContext ctx;
    private final PoolConfiguration config;
    // read on every hand-out: a long, not an Optional
    private final long validateAfterIdleMillis;

    Validation(PoolContext ctx) {
        this.ctx = ctx;
        this.config = ctx.config;
        this.validateAfterIdleMillis = config.validateAfterIdle().map(Duration::toMillis).orElse(Long.MAX_VALUE);
    }

    /** A connection unchecked for longer than {@code validateAfterIdle} is checked before it is handed out. */
    boolean isDue(PooledRef<Slot> ref) {
        return validateAfterIdleMillis != Long.MAX_VALUE
                && ref.poolable().uncheckedForMillis(ctx.nowMillis()) >= validateAfterIdleMillis;
    }

    /** Answers whether the connection works; never fails, never waits longer than {@code validationTimeout}. */
    Mono<Boolean> check(Connection connection) {
        Mono<Boolean> check = config.validationQuery()
                .map(query -> Flux.from(connection.createStatement(query).execute())
                        .flatMap(Result::getRowsUpdated).then(Mono.just(true)))
                .orElseGet(() -> Mono.from(connection.validate(config.validationDepth())));
        return check
                .timeout(config.validationTimeout(), config.scheduler())
                .onErrorResume(e -> {
                    log.debug("pool '{}': validation failed: {}", config.name(), e.toString());
                    return Mono.just(false);
                })
                .defaultIfEmpty(false);
    }

    /** Closes a connection that failed its validation or keepalive ping, and counts it. */
    Mono<Void> discard(PooledRef<Slot> ref) {
        ctx.counters.validationFailures.increment();
        ctx.listeners.fire(l -> l.validationFailed(config.name()));
        ctx.counters.discards.increment();
        return ref.invalidate().onErrorResume(e -> Mono.empty());
    }
}
