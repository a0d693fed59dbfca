package io.tidepool.pg.internal;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.tidepool.pg.PgLane;
import io.tidepool.pg.PgSession;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The multiplexed lane ({@link PgLane}): statements go to the least-loaded connection with room, or wait in one queue
 * for whichever connection answers first, so that a connection held up by a slow statement gathers no more than its
 * depth behind it. A caller's statements in flight stay on one connection, which answers them in order.
 *
 * <p>The load of a connection is counted here, at submission, and given back when its engine has the whole answer
 * (or fails the statement): the same count decides where the next one goes and whether it must wait.
 */
public final class SharedLane implements PgLane {

    private static final Member[] NONE = new Member[0];
    /**
     * Silence that marks a connection with work as held up: far longer than a short statement's round trip on a busy
     * connection (tens of microseconds), short enough that few statements are sent behind a slow one.
     */
    static final long STALLED_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10);

    private final int depth;
    private final int maxWaiting;
    private final int rowLimit;
    private final Supplier<? extends RuntimeException> saturated;
    private final Supplier<? extends RuntimeException> closedError;
    private final Consumer<PgSession> lost;
    private final Runnable shortHanded;
    private volatile Member[] members = NONE;
    private final ConcurrentLinkedQueue<LaneExchange> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile boolean closed;

    public SharedLane(int depth, int maxWaiting, int rowLimit, Supplier<? extends RuntimeException> saturated,
            Supplier<? extends RuntimeException> closedError, Consumer<PgSession> lost, Runnable shortHanded) {
        this.depth = depth;
        this.maxWaiting = maxWaiting;
        this.rowLimit = rowLimit;
        this.saturated = saturated;
        this.closedError = closedError;
        this.lost = lost;
        this.shortHanded = shortHanded;
    }

    // ---- membership ----

    @Override
    public void add(PgSession connection) {
        if (!(connection instanceof PgConnectionImpl impl)) {
            throw new IllegalArgumentException("a lane serves connections of PgConnectionFactory only, was "
                    + connection.getClass().getName());
        }
        PgEngine engine = impl.engine();
        engine.shareReads(rowLimit);
        Member member = new Member(impl, engine);
        synchronized (this) {
            Member[] now = members;
            Member[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = member;
            members = next;
        }
        engine.channel.closeFuture().addListener(f -> {
            if (leave(member) && !closed) {
                lost.accept(impl);
            }
        });
        if (engine.isClosed() && leave(member) && !closed) {
            lost.accept(impl);
            return;
        }
        dispatchWaiting();
    }

    @Override
    public boolean remove(PgSession connection) {
        for (Member m : members) {
            if (m.connection == connection) {
                return leave(m);
            }
        }
        return false;
    }

    /** Takes {@code member} out of the rotation; true the first time. */
    private synchronized boolean leave(Member member) {
        Member[] now = members;
        int at = Arrays.asList(now).indexOf(member);
        if (at < 0) {
            return false;
        }
        member.open = false;
        Member[] next = new Member[now.length - 1];
        System.arraycopy(now, 0, next, 0, at);
        System.arraycopy(now, at + 1, next, at, now.length - at - 1);
        members = next;
        return true;
    }

    @Override
    public Route route() {
        return new LaneRoute(this);
    }

    @Override
    public int size() {
        return members.length;
    }

    @Override
    public int[] inFlight() {
        Member[] now = members;
        int[] out = new int[now.length];
        for (int i = 0; i < now.length; i++) {
            out[i] = now[i].load.get();
        }
        return out;
    }

    @Override
    public int waiting() {
        return waiting.get();
    }

    @Override
    public int closeSilent(java.time.Duration silence, Supplier<? extends io.r2dbc.spi.R2dbcException> error) {
        long now = System.nanoTime();
        long limit = silence.toNanos();
        int n = 0;
        for (Member m : members) {
            if (m.engine.silentForNanos(now) > limit && leave(m)) {
                m.engine.abort(error.get());
                lost.accept(m.connection);
                n++;
            }
        }
        return n;
    }

    @Override
    public int failWaitingLongerThan(java.time.Duration wait, Supplier<? extends Throwable> error) {
        long now = System.nanoTime();
        long limit = wait.toNanos();
        int n = 0;
        for (LaneExchange x : queue) {
            // removed by whichever of this sweep and a dispatch takes it first
            if (now - x.queuedNanos > limit && queue.remove(x)) {
                waiting.decrementAndGet();
                x.fail(error.get());
                n++;
            }
        }
        return n;
    }

    @Override
    public int failWaiting(Supplier<? extends Throwable> error) {
        int n = 0;
        LaneExchange x;
        while ((x = queue.poll()) != null) {
            waiting.decrementAndGet();
            x.fail(error.get());
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        closed = true;
        failWaiting(closedError);
    }

    // ---- dispatch ----

    void submit(LaneExchange x) {
        if (closed) {
            x.fail(closedError.get());
            return;
        }
        LaneRoute route = x.route;
        Member sticky = route.member;
        if (sticky != null && sticky.open && route.inFlight.get() > 0) {
            // the caller's earlier statement is unanswered: this one follows it on the same connection, in order
            sticky.load.incrementAndGet();
            send(sticky, x);
            return;
        }
        Member m = reserve();
        if (m != null) {
            send(m, x);
            return;
        }
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            x.fail(saturated.get());
            return;
        }
        x.queuedNanos = System.nanoTime();
        queue.offer(x);
        // a connection may have made room between the reserve and the offer
        dispatchWaiting();
        if (closed) {
            close();
        }
    }

    /**
     * One unit of load on the least-loaded connection with room that is not held up, or null when the statement must
     * wait. A connection that has answered nothing for {@link #STALLED_NANOS} while it has work (a slow statement at
     * its head) is held up: nothing more goes behind it while any other connection moves, even a full one (the wait
     * for that one's next answer is far shorter). Only when every connection is held up does the least-loaded of them
     * take statements, so that work always goes on. When some connections move while others are held up, the lane is
     * told it is short of connections.
     */
    private @Nullable Member reserve() {
        long now = System.nanoTime();
        while (true) {
            Member best = null;
            int bestLoad = depth;
            Member bestStalled = null;
            int bestStalledLoad = depth;
            boolean anyMoving = false;
            for (Member m : members) {
                if (!m.open) {
                    continue;
                }
                int load = m.load.get();
                boolean stalled = load > 0 && m.engine.silentForNanos(now) > STALLED_NANOS;
                if (!stalled) {
                    anyMoving = true;
                    if (load < bestLoad) {
                        best = m;
                        bestLoad = load;
                    }
                } else if (load < bestStalledLoad) {
                    bestStalled = m;
                    bestStalledLoad = load;
                }
            }
            if (bestStalled != null && anyMoving && heldUpByTheServer(now)) {
                shortHanded.run();
            }
            if (best == null && !anyMoving && bestStalled != null) {
                best = bestStalled;
                bestLoad = bestStalledLoad;
            }
            if (best == null) {
                return null;
            }
            if (best.load.compareAndSet(bestLoad, bestLoad + 1)) {
                return best;
            }
        }
    }

    /**
     * Whether a connection is held up by the server, not by a client too busy to read: some connection with work is
     * silent past {@link #STALLED_NANOS} while another has read within it, on the same event loop when the loop
     * serves another connection of the lane (so that loop surely ran), else on any. One more connection then helps;
     * when the loops themselves fall behind, it would only add to their load.
     */
    private boolean heldUpByTheServer(long now) {
        Member[] all = members;
        for (Member stalled : all) {
            if (stalled.load.get() == 0 || stalled.engine.silentForNanos(now) <= STALLED_NANOS) {
                continue;
            }
            boolean peerOnItsLoop = false;
            boolean heardOnItsLoop = false;
            boolean heardAnywhere = false;
            for (Member other : all) {
                if (other == stalled) {
                    continue;
                }
                boolean heard = other.engine.heardWithinNanos(now, STALLED_NANOS);
                heardAnywhere |= heard;
                if (other.engine.loop == stalled.engine.loop) {
                    peerOnItsLoop = true;
                    heardOnItsLoop |= heard;
                }
            }
            if (peerOnItsLoop ? heardOnItsLoop : heardAnywhere) {
                return true;
            }
        }
        return false;
    }

    private static void send(Member m, LaneExchange x) {
        LaneRoute route = x.route;
        route.member = m;
        route.inFlight.incrementAndGet();
        x.member = m;
        m.engine.submit(x);
    }

    /** The engine has {@code x}'s whole answer, or failed it: its load is given back and a waiting one may go. */
    void finished(LaneExchange x) {
        Member m = x.member;
        if (m == null) {
            return;
        }
        x.member = null;
        x.route.inFlight.decrementAndGet();
        m.load.decrementAndGet();
        if (waiting.get() > 0) {
            dispatchWaiting();
        }
    }

    private void dispatchWaiting() {
        while (waiting.get() > 0) {
            Member m = reserve();
            if (m == null) {
                return;
            }
            LaneExchange x = queue.poll();
            if (x == null) {
                m.load.decrementAndGet();
                return;
            }
            waiting.decrementAndGet();
            if (x.abandoned()) {
                // its caller is gone: nothing to send, nobody to answer
                m.load.decrementAndGet();
                continue;
            }
            send(m, x);
        }
    }

    /** One connection of the lane and its load: statements submitted to it and not yet fully answered. */
    static final class Member {
        final PgConnectionImpl connection;
        final PgEngine engine;
        final AtomicInteger load = new AtomicInteger();
        volatile boolean open = true;

        Member(PgConnectionImpl connection, PgEngine engine) {
            this.connection = connection;
            this.engine = engine;
        }
    }

    /** One caller: where its statements in flight are, so that the next one follows them. */
    static final class LaneRoute implements Route, Exchanger {
        private final SharedLane lane;
        final AtomicInteger inFlight = new AtomicInteger();
        volatile @Nullable Member member;

        LaneRoute(SharedLane lane) {
            this.lane = lane;
        }

        @Override
        public Statement createStatement(String sql) {
            return new PgStatement(this, sql);
        }

        @Override
        public Batch createBatch() {
            return new PgBatch(this);
        }

        @Override
        public Flux<Result> exchange(String sql, @Nullable List<BindValue[]> bindings) {
            return Flux.defer(() -> {
                EventStream<Result> results = new EventStream<>(null);
                lane.submit(new LaneExchange(sql, bindings, results, lane, this));
                return results;
            });
        }
    }

    /** An exchange that gives its load back to the lane when it leaves its connection's engine. */
    static final class LaneExchange extends Exchange {
        private final SharedLane lane;
        final LaneRoute route;
        volatile @Nullable Member member;
        /** When it began to wait in the lane's queue ({@link System#nanoTime()}), if it had to. */
        volatile long queuedNanos;

        LaneExchange(String sql, @Nullable List<BindValue[]> bindings, EventStream<Result> out, SharedLane lane,
                LaneRoute route) {
            super(sql, bindings, out);
            this.lane = lane;
            this.route = route;
        }

        @Override
        void signal() {
            if (!runsAgain()) {
                // done before its results are signalled: the caller's next statement may go anywhere
                lane.finished(this);
            }
            super.signal();
        }

        @Override
        void fail(Throwable error) {
            lane.finished(this);
            super.fail(error);
        }
    }

    @Override
    public List<PgSession> connections() {
        List<PgSession> out = new ArrayList<>();
        for (Member m : members) {
            out.add(m.connection);
        }
        return out;
    }
}
