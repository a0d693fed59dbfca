package io.tidepool.internal;

import io.tidepool.PoolConfiguration;
import io.tidepool.PoolState;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.pool.InstrumentedPool;
import reactor.pool.PooledRef;
import reactor.pool.PooledRefMetadata;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Looking after the idle connections: which ones reactor-pool closes (retired, too old, idle too long beyond
 * {@code minIdle}), opening exactly the missing ones up to {@code minIdle}, the keepalive pings, and evict-all.
 */
final class Upkeep {

    private static final Logger log = LoggerFactory.getLogger(Upkeep.class);

    private final PoolContext ctx;
    private final PoolConfiguration config;
    private final ConnectionSource source;
    private final GatedAllocation allocation;
    private final @Nullable Keepalive keepalive;
    // read on every hand-out of an idle connection (reactor-pool asks isEvictable()): a long, not an Optional
    private final long maxIdleMillis;
    private volatile @Nullable Disposable refillTask;

    Upkeep(PoolContext ctx, ConnectionSource source, GatedAllocation allocation, Validation validation) {
        this.ctx = ctx;
        this.config = ctx.config;
        this.source = source;
        this.allocation = allocation;
        this.maxIdleMillis = config.maxIdleTime().map(Duration::toMillis).orElse(Long.MAX_VALUE);
        this.keepalive = config.keepaliveTime()
                .map(period -> new Keepalive(ctx, validation, this::refillMinIdle, period)).orElse(null);
        allocation.refillsTo(this::idleDeficit);
    }

    /**
     * How many connections minIdle lacks, given {@code granted} permits (every connection open or being opened): the
     * ones a keepalive pass holds for its ping are idle, not borrowed (a refill during a pass opened them again).
     * Worked out by the allocation as it grants the permits, so racing refills do not open the same ones twice.
     */
    private int idleDeficit(int granted) {
        if (ctx.state().get() != PoolState.RUNNING || config.minIdle() == 0) {
            return 0;
        }
        int acquired = ctx.engine().metrics().acquiredSize();
        return config.minIdle() - (granted - acquired + (keepalive == null ? 0 : keepalive.holding()));
    }

    /** reactor-pool's eviction predicate, asked on every hand-out of an idle connection and by background eviction. */
    boolean isEvictable(Slot slot, PooledRefMetadata metadata) {
        if (source.isRetired(slot) || metadata.lifeTime() >= slot.lifetimeLimitMillis()) {
            return true;
        }
        // the clock last: on a busy pool the connection being handed out was the last idle one, and no clock is read
        return maxIdleMillis != Long.MAX_VALUE
                && (keepalive == null || !keepalive.isBorrowing())
                && ctx.engine().metrics().idleSize() > config.minIdle()
                && slot.unusedForMillis(ctx.nowMillis()) >= maxIdleMillis;
    }

    /** The keepalive's timer, from construction: a pool used without start() has idle connections to look after too. */
    @Nullable Disposable scheduleKeepalive() {
        return keepalive == null ? null : keepalive.schedule();
    }

    /** The refill's timer, once the pool runs. */
    void scheduleRefill() {
        if (config.minIdle() == 0) {
            return;
        }
        long period = config.evictionInterval().toMillis();
        // background eviction may take the pool below minIdle; refill it on the same beat
        Disposable task = config.scheduler().schedulePeriodically(this::refillMinIdle, period, period,
                TimeUnit.MILLISECONDS);
        refillTask = task;
        if (ctx.isClosing()) {
            // close() marks the pool closing before it stops the refill: either it saw this task, or this sees it
            task.dispose();
        }
    }

    void stop() {
        Disposable task = refillTask;
        if (task != null) {
            task.dispose();
        }
    }

    /**
     * Opens connections until {@code minIdle} are idle (or being opened), within {@code maxSize}, when the pool is
     * running: minIdle counts idle connections here as in idle eviction, which keeps that many.
     */
    void refillMinIdle() {
        if (ctx.state().get() != PoolState.RUNNING || config.minIdle() == 0) {
            return;
        }
        if (idleDeficit(allocation.permitGranted()) > 0) {
            // the warmup works the count out again as it takes the permits (see idleDeficit)
            ctx.engine().warmup().subscribe(null, e -> log.debug("pool '{}': opening idle connections failed: {}",
                    config.name(), e.toString()));
        }
    }

    /** Opens {@code count} new idle connections (as many as maxSize allows), in the background. */
    void openIdle(int count) {
        if (count <= 0) {
            return;
        }
        allocation.wantOpened(count);
        ctx.engine().warmup().subscribe(null, e -> log.debug("pool '{}': opening idle connections failed: {}",
                config.name(), e.toString()));
    }

    /** Retires every connection open now: the idle ones are replaced at once, the borrowed ones when they come back. */
    Mono<Void> evictAll() {
        return Mono.defer(() -> ctx.lane().map(MultiplexedLane::retireAll).orElse(Mono.empty())
                .and(evictAllPooled()));
    }

    private Mono<Void> evictAllPooled() {
        return Mono.defer(() -> {
            source.retireAll();
            InstrumentedPool<Slot> engine = ctx.engine();
            int idle = engine.metrics().idleSize();
            if (idle == 0) {
                return Mono.empty();
            }
            log.info("pool '{}': evicting every connection ({} idle now; borrowed ones when they come back)",
                    config.name(), idle);
            // borrowed all at once, so each borrow meets retired ones (and closes them) or opens a fresh one: one at a
            // time, with the most recently used handed out first, would open one and get it back every time
            List<PooledRef<Slot>> fresh = new ArrayList<>(idle);
            return Flux.range(0, idle)
                    .flatMap(i -> engine.acquire(config.acquireTimeout()).onErrorResume(e -> Mono.empty()), idle)
                    .doOnNext(ref -> {
                        synchronized (fresh) {
                            fresh.add(ref);
                        }
                    })
                    .then(Mono.defer(() -> {
                        List<PooledRef<Slot>> all;
                        synchronized (fresh) {
                            all = new ArrayList<>(fresh);
                        }
                        return Flux.fromIterable(all).concatMap(PooledRef::release).then();
                    }));
        });
    }
}
