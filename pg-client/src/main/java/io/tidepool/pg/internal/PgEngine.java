package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.r2dbc.spi.R2dbcException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection's protocol engine, confined to the channel's event loop: the command queue, the batch buffer, the
 * transaction bookkeeping for deferred BEGIN and the prepared-statement cache.
 *
 * <p>Commands may pipeline: each is encoded into the one batch buffer as soon as it is submitted and put in flight;
 * the buffer is written and flushed once per event-loop turn, however many commands went into it. Answers go to the
 * head of the in-flight queue until it reports itself done (FIFO, delimited by ReadyForQuery).
 */
final class PgEngine extends ChannelInboundHandlerAdapter implements BackendListener {

    private static final Logger log = LoggerFactory.getLogger(PgEngine.class);

    /** Client-side transaction state, driving deferred BEGIN. */
    enum Tx {
        /** No transaction, none pending. */
        NONE,
        /** {@code beginTransaction()} was called; the BEGIN goes out with the next statement. */
        PENDING,
        /** A BEGIN was written (or the server reports a transaction block). */
        OPEN
    }

    final Channel channel;
    final EventLoop loop;
    final String hostPort;
    final WireStats stats = new WireStats();
    final Map<String, String> parameters = new ConcurrentHashMap<>();
    final StatementCache cache;

    private final ArrayDeque<Command> inFlight = new ArrayDeque<>();
    private final AtomicInteger pausedBy = new AtomicInteger();

    /** Pauses reading from the socket while a result's subscriber is far behind (several may ask; counted). */
    final EventStream.Backpressure readGate = new EventStream.Backpressure() {
        @Override
        public void pause() {
            if (pausedBy.incrementAndGet() == 1) {
                channel.config().setAutoRead(false);
            }
        }

        @Override
        public void resume() {
            if (pausedBy.decrementAndGet() == 0) {
                channel.config().setAutoRead(true);
            }
        }
    };
    /**
     * Commands submitted while a BEGIN-carrying statement is unanswered, or beyond the pipeline limit: written, in
     * order, as answers arrive.
     */
    private final ArrayDeque<Command> held = new ArrayDeque<>();
    private boolean holding;
    private final int pipelineLimit;
    /** Rows a result may queue for a slow reader on a shared connection before it fails; 0: pause reading. */
    private volatile int sharedRowLimit;
    private final ArrayDeque<String> pendingCloses = new ArrayDeque<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Runnable flushTask = this::flushNow;
    private @Nullable ByteBuf batch;
    private boolean flushScheduled;
    private volatile boolean closed;
    private volatile long lastHeardNanos = System.nanoTime();
    private @Nullable R2dbcException serverCloseCause;

    volatile char status = 'I';
    volatile int processId;
    volatile int secretKey;

    private volatile Tx tx = Tx.NONE;
    private @Nullable String pendingBegin;
    private volatile boolean autoCommit = true;

    PgEngine(Channel channel, String hostPort, int statementCacheSize) {
        this(channel, hostPort, statementCacheSize, io.tidepool.pg.PgConnectionConfiguration.DEFAULT_PIPELINE_LIMIT);
    }

    PgEngine(Channel channel, String hostPort, int statementCacheSize, int pipelineLimit) {
        this.pipelineLimit = pipelineLimit;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.hostPort = hostPort;
        this.cache = new StatementCache(statementCacheSize, pendingCloses::add);
    }

    /**
     * This connection serves many callers from now on: a result read too slowly fails once {@code rowLimit} rows wait
     * for its reader, instead of pausing the socket for everyone.
     */
    void shareReads(int rowLimit) {
        this.sharedRowLimit = rowLimit;
    }

    /** The stream one result's rows go into: paced by the read gate, or bounded when the connection is shared. */
    EventStream<io.r2dbc.spi.Result.Segment> segmentStream(String sql) {
        int limit = sharedRowLimit;
        if (limit == 0) {
            return new EventStream<>(readGate);
        }
        return new EventStream<>(limit, () -> new PgResultOverflowException(limit, hostPort, sql));
    }

    // ---- submission and batching ----

    /** Queues {@code command} from any thread; it is encoded on the event loop in submission order per thread. */
    void submit(Command command) {
        outstanding.incrementAndGet();
        if (loop.inEventLoop()) {
            enqueue(command);
            return;
        }
        try {
            loop.execute(() -> enqueue(command));
        } catch (RejectedExecutionException e) {
            outstanding.decrementAndGet();
            command.fail(new PgConnectionException("connection to " + hostPort + " is closed: its event loop is"
                    + " shut down", e));
        }
    }

    private void enqueue(Command command) {
        if (closed) {
            outstanding.decrementAndGet();
            command.fail(closedError(null));
            return;
        }
        if (holding || inFlight.size() >= pipelineLimit) {
            held.addLast(command);
            return;
        }
        write(command);
    }

    private void write(Command command) {
        ByteBuf out = out();
        int mark = out.writerIndex();
        boolean needsAnswer;
        try {
            needsAnswer = command.encode(this, out);
        } catch (RuntimeException e) {
            // nothing of a command that failed to encode may reach the wire
            out.writerIndex(mark);
            outstanding.decrementAndGet();
            command.fail(e);
            return;
        }
        if (needsAnswer) {
            if (inFlight.isEmpty()) {
                // the wait for an answer starts now: silence is counted from here or from the last bytes read
                lastHeardNanos = System.nanoTime();
            }
            inFlight.addLast(command);
            holding = command.holdsQueue();
        } else {
            outstanding.decrementAndGet();
            command.signal();
        }
        scheduleFlush();
    }

    /** The batch buffer of this event-loop turn; commands and the auth handler write into it. */
    ByteBuf out() {
        ByteBuf b = batch;
        if (b == null) {
            b = channel.alloc().ioBuffer(512);
            batch = b;
        }
        return b;
    }

    /** Makes sure the batch is flushed at the end of this event-loop turn, once. */
    void scheduleFlush() {
        if (!flushScheduled && batch != null && batch.isReadable()) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        ByteBuf b = batch;
        batch = null;
        if (b == null) {
            return;
        }
        if (!b.isReadable() || !channel.isActive()) {
            b.release();
            return;
        }
        stats.flushes++;
        stats.bytesWritten += b.readableBytes();
        // a write failure closes the channel, and channelInactive fails what is in flight
        channel.writeAndFlush(b, channel.voidPromise());
    }

    /** Writes the Close messages for evicted statements; their CloseCompletes are the caller's to swallow. */
    int writePendingCloses(ByteBuf out) {
        int n = 0;
        String name;
        while ((name = pendingCloses.poll()) != null) {
            Frontend.close(out, 'S', name);
            n++;
        }
        return n;
    }

    void closeLater(String statementName) {
        pendingCloses.add(statementName);
    }

    // ---- transactions (event loop only, but tx is volatile for the pool-facing view) ----

    void recordBegin(String beginSql) {
        if (tx == Tx.NONE) {
            tx = Tx.PENDING;
            pendingBegin = beginSql;
        } else if (tx == Tx.PENDING) {
            pendingBegin = beginSql;
        }
        // OPEN: the R2DBC layer does not begin twice; a nested begin is the server's to warn about, not ours
    }

    /** The BEGIN the next statement must carry, or {@code null}; taking it marks the transaction open. */
    @Nullable String takeBegin() {
        if (tx == Tx.PENDING) {
            String s = pendingBegin;
            pendingBegin = null;
            tx = Tx.OPEN;
            return s;
        }
        if (tx == Tx.NONE && !autoCommit) {
            tx = Tx.OPEN;
            return "BEGIN";
        }
        return null;
    }

    /** The BEGIN a statement carried failed: the transaction stays pending, so the next statement tries again. */
    void beginFailed(String beginSql) {
        if (tx == Tx.OPEN) {
            tx = Tx.PENDING;
            pendingBegin = beginSql;
        }
    }

    Tx tx() {
        return tx;
    }

    /** Commit or rollback written (or nothing to end): the next statement starts outside a transaction. */
    void endTransaction() {
        tx = Tx.NONE;
        pendingBegin = null;
    }

    void autoCommit(boolean on) {
        this.autoCommit = on;
    }

    boolean autoCommit() {
        return autoCommit;
    }

    // ---- inbound ----

    @Override
    public void onMessage(BackendMessage m) {
        switch (m.type()) {
            case 'S': {
                String name = m.readCString();
                String value = m.readCString();
                m.expectEnd();
                parameters.put(name, value);
                return;
            }
            case 'A':
                // LISTEN/NOTIFY is not supported yet: a notification is dropped (logged at debug)
                log.debug("dropping a NotificationResponse on {}", hostPort);
                return;
            case 'Z': {
                byte s = m.readByte();
                m.expectEnd();
                if (s != 'I' && s != 'T' && s != 'E') {
                    throw new PgProtocolException("ReadyForQuery has an invalid transaction status 0x"
                            + Integer.toHexString(s & 0xFF));
                }
                status = (char) s;
                stats.readyForQuery++;
                if (inFlight.size() == 1) {
                    // the server's word is final once nothing written after this command is pending
                    if (s == 'I' && tx == Tx.OPEN) {
                        tx = Tx.NONE;
                    } else if (s != 'I' && tx == Tx.NONE) {
                        tx = Tx.OPEN;
                    }
                }
                break;
            }
            case 'E':
                if (inFlight.isEmpty()) {
                    // e.g. FATAL 57P01 on an idle connection: the server closes next; keep why
                    ServerErrorFields f = ServerErrorFields.read(m);
                    serverCloseCause = ServerErrors.toException(f, null);
                    log.debug("server error with no command in flight on {}: {}", hostPort, f);
                    return;
                }
                break;
            case 'N':
                if (inFlight.isEmpty()) {
                    log.debug("notice on {}: {}", hostPort, ServerErrorFields.read(m));
                    return;
                }
                break;
            default:
                break;
        }
        Command head = inFlight.peekFirst();
        if (head == null) {
            throw new PgProtocolException("unexpected message '" + (char) m.type() + "' with no command in flight");
        }
        if (head.onMessage(this, m)) {
            inFlight.pollFirst();
            outstanding.decrementAndGet();
            if (holding && inFlight.isEmpty()) {
                // the BEGIN-carrying statement is answered: what waited behind it goes out now
                holding = false;
            }
            Command next;
            while (!holding && inFlight.size() < pipelineLimit && (next = held.pollFirst()) != null) {
                write(next);
            }
            head.signal();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastHeardNanos = System.nanoTime();
        ctx.fireChannelReadComplete();
    }

    /** How long commands in flight have waited without a byte from the server, at {@code nowNanos}; 0 when none wait. */
    long silentForNanos(long nowNanos) {
        return outstanding.get() == 0 ? 0 : Math.max(0, nowNanos - lastHeardNanos);
    }

    /** Whether bytes from the server were read within {@code nanos} before {@code nowNanos}. */
    boolean heardWithinNanos(long nowNanos, long nanos) {
        return nowNanos - lastHeardNanos <= nanos;
    }

    /** Closes the connection under its commands: they fail with {@code error}. Any thread. */
    void abort(R2dbcException error) {
        loop.execute(() -> {
            failAll(error);
            channel.close();
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failAll(closedError(null));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
                ? cause.getCause() : cause;
        String what = root instanceof PgProtocolException ? "protocol error" : "I/O error";
        failAll(new PgConnectionException(what + " on the connection to " + hostPort + ": " + root.getMessage(),
                root));
        ctx.close();
    }

    private void failAll(R2dbcException error) {
        closed = true;
        if (batch != null) {
            batch.release();
            batch = null;
        }
        Command c;
        while ((c = held.pollFirst()) != null) {
            inFlight.addLast(c);
        }
        while ((c = inFlight.pollFirst()) != null) {
            outstanding.decrementAndGet();
            try {
                c.fail(error);
            } catch (RuntimeException e) {
                log.warn("a command's failure handler threw on {}", hostPort, e);
            }
        }
    }

    /**
     * A FATAL error in answer to a command: the server closes next; keep why for the commands that fail then.
     *
     * @return whether it was FATAL (or PANIC)
     */
    boolean noteFatal(ServerErrorFields f) {
        if (!f.severity().equals("ERROR") && f.isError()) {
            serverCloseCause = ServerErrors.toException(f, null);
            return true;
        }
        return false;
    }

    R2dbcException closedError(@Nullable Throwable cause) {
        R2dbcException server = serverCloseCause;
        String reason = server != null ? ": " + server.getMessage() : "";
        return new PgConnectionException("connection to " + hostPort + " is closed" + reason,
                cause != null ? cause : server);
    }

    // ---- lifecycle ----

    /** Writes Terminate (after whatever is batched) and closes the channel. Event loop only. */
    void terminate() {
        if (!closed && channel.isActive()) {
            closed = true;
            Frontend.terminate(out());
            flushNow();
        }
        closed = true;
        channel.close();
    }

    boolean isClosed() {
        return closed || !channel.isActive();
    }

    boolean isQuiescent() {
        return outstanding.get() == 0;
    }

    Map<String, String> parametersView() {
        return Collections.unmodifiableMap(parameters);
    }
}
