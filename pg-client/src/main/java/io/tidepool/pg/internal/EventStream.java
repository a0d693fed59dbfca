package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Operators;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A hand-written single-subscriber publisher fed by the event loop: the exchange's results, or one result's rows.
 * Items are queued as they arrive and handed out as the subscriber asks for them (from any thread); with
 * {@link Backpressure} set, a subscriber that falls far behind pauses reading from the socket until it catches up.
 * A second subscriber is refused; after cancel, what arrives is dropped.
 */
final class EventStream<T> implements Publisher<T>, Subscription {

    /** Told when the queue of a subscribed stream passes the high-water mark and when it is back under the low one. */
    interface Backpressure {
        void pause();

        void resume();
    }

    static final int HIGH_WATER = 4096;
    static final int LOW_WATER = 1024;

    private final Queue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final @Nullable Backpressure backpressure;
    private final int overflowLimit;
    private final @Nullable Supplier<? extends Throwable> overflow;
    private volatile @Nullable Subscriber<? super T> subscriber;
    private volatile boolean done;
    private volatile @Nullable Throwable error;
    private volatile boolean cancelled;
    private boolean terminated;
    /** Only read and written inside drain, which is serialized. */
    private boolean paused;

    EventStream(@Nullable Backpressure backpressure) {
        this(backpressure, 0, null);
    }

    /**
     * A stream that never pauses the socket: past {@code overflowLimit} items queued for a subscriber that is behind,
     * it drops what it holds and fails with {@code overflow}'s error (a connection shared by many callers must not
     * wait for one slow reader).
     */
    EventStream(int overflowLimit, Supplier<? extends Throwable> overflow) {
        this(null, overflowLimit, overflow);
    }

    private EventStream(@Nullable Backpressure backpressure, int overflowLimit,
            @Nullable Supplier<? extends Throwable> overflow) {
        this.backpressure = backpressure;
        this.overflowLimit = overflowLimit;
        this.overflow = overflow;
    }

    /** Whether the subscriber cancelled: what arrives is dropped, and nothing needs to be produced any more. */
    boolean isCancelled() {
        return cancelled;
    }

    // ---- producer side: the event loop ----

    void add(T item) {
        if (cancelled || done) {
            return;
        }
        if (overflow != null && size.get() >= overflowLimit) {
            // the reader is this far behind: drop its rows and tell it why, rather than hold up the connection
            queue.clear();
            size.set(0);
            error(overflow.get());
            return;
        }
        queue.offer(item);
        size.incrementAndGet();
        drain();
    }

    void complete() {
        done = true;
        drain();
    }

    void error(Throwable e) {
        if (!done) {
            error = e;
            done = true;
        }
        drain();
    }

    // ---- consumer side: any thread ----

    @Override
    public void subscribe(Subscriber<? super T> s) {
        if (!subscribed.compareAndSet(false, true)) {
            Operators.error(s, new IllegalStateException("a Result (and each of its streams) can be consumed once"));
            return;
        }
        s.onSubscribe(this);
        subscriber = s;
        drain();
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n)) {
            long current;
            long next;
            do {
                current = requested.get();
                if (current == Long.MAX_VALUE) {
                    break;
                }
                next = current + n < 0 ? Long.MAX_VALUE : current + n;
            } while (!requested.compareAndSet(current, next));
            drain();
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            Subscriber<? super T> s = subscriber;
            if (cancelled) {
                clear();
            } else if (s != null && !terminated) {
                long r = requested.get();
                long e = 0;
                while (e != r && !cancelled) {
                    T item = queue.poll();
                    if (item == null) {
                        break;
                    }
                    size.decrementAndGet();
                    s.onNext(item);
                    e++;
                }
                if (e != 0) {
                    if (r != Long.MAX_VALUE) {
                        requested.addAndGet(-e);
                    }
                    maybeResume();
                }
                Backpressure b = backpressure;
                if (b != null && !paused && !cancelled && size.get() > HIGH_WATER) {
                    // the subscriber is there but behind: stop reading from the socket until it catches up
                    paused = true;
                    b.pause();
                }
                if (cancelled) {
                    clear();
                } else if (done && queue.isEmpty()) {
                    terminated = true;
                    Throwable t = error;
                    if (t != null) {
                        s.onError(t);
                    } else {
                        s.onComplete();
                    }
                }
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void clear() {
        queue.clear();
        size.set(0);
        maybeResume();
    }

    private void maybeResume() {
        Backpressure b = backpressure;
        if (b != null && paused && size.get() < LOW_WATER) {
            paused = false;
            b.resume();
        }
    }
}
