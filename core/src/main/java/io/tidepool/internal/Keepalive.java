package io.tidepool.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.pool.InstrumentedPool;
import reactor.pool.PooledRef;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pings, in the background, the idle connections nobody used or checked for {@code keepaliveTime}, and closes those
 * that fail: a socket the network dropped without a word (a firewall's idle timeout, a failover) is found before a
 * borrower gets it (r2dbc-pool #227). reactor-pool offers no way to visit its idle connections, so a pass borrows
 * them, all at once, checks the ones that are due and gives every one back.
 */
final class Keepalive {

    private static final Logger log = LoggerFactory.getLogger(Keepalive.class);
    /** How long a pass waits for a connection a borrower took between the count and the borrow: hardly at all. */
    private static final Duration NO_WAIT = Duration.ofMillis(20);

    private final PoolContext pool;
    private final Validation validation;
    private final Runnable refill;
    private final long dueAfterMillis;
    private final AtomicBoolean passRunning = new AtomicBoolean();
    private volatile boolean borrowing;
    // idle connections a pass holds for its ping: borrowed from reactor-pool, but idle to the pool's own counts
    private final AtomicInteger holding = new AtomicInteger();

    /** @param refill opens connections up to minIdle again, after a pass closed dead ones */
    Keepalive(PoolContext pool, Validation validation, Runnable refill, Duration keepaliveTime) {
        this.pool = pool;
        this.validation = validation;
        this.refill = refill;
        this.dueAfterMillis = keepaliveTime.toMillis();
    }

    /** Runs a pass every half period, so a connection is pinged between one and one and a half periods idle. */
    Disposable schedule() {
        long period = Math.max(1, dueAfterMillis / 2);
        return pool.configuration().scheduler().schedulePeriodically(this::runPass, period, period,
                TimeUnit.MILLISECONDS);
    }

    /**
     * True while a pass is borrowing: reactor-pool would close an idle connection past {@code maxIdleTime} on the
     * pass's borrow and open a new one in its place, which is the opposite of eviction; background eviction closes
     * it on its next beat instead.
     */
    boolean isBorrowing() {
        return borrowing;
    }

    /**
     * How many idle connections a pass holds now for its ping: reactor-pool counts them acquired, but the minIdle
     * refill must count them idle, or a refill that runs during a pass opens as many again.
     */
    int holding() {
        return Math.max(0, holding.get());
    }

    private void runPass() {
        // a pass still waiting for a slow ping is not overlapped: the next one comes half a period later
        if (!passRunning.compareAndSet(false, true)) {
            return;
        }
        pass().doFinally(s -> passRunning.set(false))
                .subscribe(null, e -> log.debug("pool '{}': keepalive pass failed: {}", pool.name(), e.toString()));
    }

    /** One pass: completes when every connection it borrowed is back in the pool or closed. Never fails. */
    Mono<Void> pass() {
        return Mono.defer(() -> {
            InstrumentedPool<Slot> engine = pool.engine();
            int idle = engine.metrics().idleSize();
            if (idle == 0 || pool.isClosing()) {
                return Mono.empty();
            }
            List<PooledRef<Slot>> held = new ArrayList<>(idle);
            borrowing = true;
            // all at once: with most-recently-used reuse, borrowing one at a time would get the same one every time
            return Flux.range(0, idle)
                    .concatMap(i -> engine.metrics().idleSize() == 0 ? Mono.<PooledRef<Slot>>empty()
                            : engine.acquire(NO_WAIT).onErrorResume(e -> Mono.empty()))
                    .doOnNext(ref -> {
                        held.add(ref);
                        holding.incrementAndGet();
                    })
                    .then(Mono.defer(() -> {
                        borrowing = false;
                        return Flux.fromIterable(held)
                                // before the pass hears of it: the refill at its end must see it given back
                                .flatMap(ref -> checkAndReturn(ref).doOnTerminate(holding::decrementAndGet))
                                .then();
                    }))
                    .doFinally(s -> {
                        borrowing = false;
                        if (s == reactor.core.publisher.SignalType.CANCEL) {
                            // a pass cut short (the pool closing) may leave pings whose count would stay behind
                            holding.set(0);
                        }
                    })
                    .then(Mono.fromRunnable(refill));
        });
    }

    private Mono<Void> checkAndReturn(PooledRef<Slot> ref) {
        Slot slot = ref.poolable();
        long idleMillis = slot.uncheckedForMillis(pool.nowMillis());
        if (idleMillis < dueAfterMillis) {
            return ref.release().onErrorResume(e -> Mono.empty());
        }
        return validation.check(slot.connection())
                .flatMap(alive -> {
                    if (alive) {
                        slot.pinged(pool.nowMillis());
                        return ref.release();
                    }
                    log.info("pool '{}': keepalive found a dead connection (unchecked for {} ms) and closed it",
                            pool.name(), idleMillis);
                    return validation.discard(ref);
                })
                .onErrorResume(e -> Mono.empty());
    }
}
