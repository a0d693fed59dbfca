package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;

/**
 * One R2DBC exchange: a statement (extended protocol, one Bind/Execute per binding; simple protocol for several
 * statements in one text, or for one without binds on a connection that caches no statements) or a batch, with its
 * hand-written response handler. Each statement's Result is emitted when it begins and its rows stream into it as
 * they arrive; only while a cached statement's first Bind is unanswered are results held
 * back, so that a re-prepare (SQLSTATE 26000, or 0A000 "cached plan must not change result type", both answered in
 * place of BindComplete) can run the statement again unseen. The streams complete after the last ReadyForQuery, once
 * the exchange has left the queue.
 *
 * <p>A pending BEGIN rides in front of the statement in the same write: as text before it in the simple Query, or as
 * Parse/Bind/Execute of the unnamed statement before its own messages with no Sync in between, so that if BEGIN
 * fails the server skips the statement.
 */
class Exchange extends Command {

    private static final short[] NO_FORMATS = new short[0];

    /**
     * The bindings of one statement without placeholders: prepared and cached like any other on a connection that
     * caches statements (the server then neither parses nor plans it again), a simple Query on one that does not (an
     * unnamed Parse every time costs the server more than a Query).
     */
    static final List<BindValue[]> NO_PARAMETERS = List.<BindValue[]>of(new BindValue[0]);

    private final String sql;
    /**
     * {@code null}: several statements or a batch (simple protocol); {@link #NO_PARAMETERS}: one, no placeholders.
     * Each binding holds at most {@link Frontend#MAX_PARAMETERS} values: {@link PgStatement} refuses more when created.
     */
    private final @Nullable List<BindValue[]> bindings;
    /** This attempt goes over the extended protocol. */
    private boolean extended;
    private final EventStream<Result> out;

    // per attempt
    private StatementCache.@Nullable Entry @Nullable [] entries;
    private boolean[] parsedHere = new boolean[0];
    private int prefixToSwallow;
    private int expectedReadyForQuery;
    private int readyForQuery;
    private int step;
    private boolean beganHere;
    private @Nullable String begin;
    private boolean retried;
    private boolean resubmitted;
    private @Nullable PgRowMetadata columns;
    private @Nullable PgEngine engine;
    /** The current statement's segments, or null between statements. */
    private @Nullable EventStream<Result.Segment> current;
    /** Statements whose answer is complete: their streams complete when the exchange is done. */
    private List<EventStream<Result.Segment>> finished = new ArrayList<>();
    /** Results not handed out yet, while a re-prepare is still possible. */
    private List<Result> held = new ArrayList<>();
    private boolean emitting;
    private @Nullable ServerErrorFields firstError;
    private int firstErrorStep = -1;
    private boolean copyOut;

    Exchange(String sql, @Nullable List<BindValue[]> bindings, EventStream<Result> out) {
        this.sql = sql;
        this.bindings = bindings;
        this.out = out;
    }

    @Override
    boolean encode(PgEngine engine, ByteBuf buffer) {
        resetAttempt();
        this.engine = engine;
        List<BindValue[]> all = bindings;
        extended = all != null && (all != NO_PARAMETERS || engine.cache.enabled());
        if (all != null && extended) {
            encodeExtended(engine, buffer, all);
        } else {
            encodeSimple(engine, buffer);
        }
        // only a cached statement run outside a BEGIN of its own, for the first time, may be prepared again
        emitting = !extended || !engine.cache.enabled() || beganHere || retried;
        return true;
    }

    private void resetAttempt() {
        begin = null;
        prefixToSwallow = 0;
        readyForQuery = 0;
        step = 0;
        beganHere = false;
        columns = null;
        current = null;
        finished = new ArrayList<>();
        held = new ArrayList<>();
        firstError = null;
        firstErrorStep = -1;
        copyOut = false;
    }

    private void encodeSimple(PgEngine engine, ByteBuf out) {
        String begin = engine.takeBegin();
        this.begin = begin;
        if (begin != null) {
            beganHere = true;
            prefixToSwallow = 1; // BEGIN's CommandComplete
        }
        Frontend.query(out, begin, sql);
        engine.stats.queries++;
        expectedReadyForQuery = 1;
    }

    private void encodeExtended(PgEngine engine, ByteBuf out, List<BindValue[]> all) {
        // statements evicted earlier are closed first (their CloseCompletes are ignored wherever they come)
        engine.writePendingCloses(out);
        String begin = engine.takeBegin();
        this.begin = begin;
        if (begin != null) {
            beganHere = true;
            Frontend.parse(out, "", begin, new int[0]);
            Frontend.bind(out, "", "", NO_FORMATS, new byte[0][], NO_FORMATS);
            Frontend.execute(out, "", 0);
            engine.stats.parses++;
            prefixToSwallow = 3; // ParseComplete, BindComplete, CommandComplete
        }
        int n = all.size();
        StatementCache.Entry[] used = new StatementCache.Entry[n];
        parsedHere = new boolean[n];
        for (int i = 0; i < n; i++) {
            BindValue[] values = all.get(i);
            int[] oids = new int[values.length];
            short[] formats = new short[values.length];
            byte[][] bytes = new byte[values.length][];
            for (int j = 0; j < values.length; j++) {
                oids[j] = values[j].oid;
                formats[j] = values[j].format;
                bytes[j] = values[j].bytes;
            }
            String name = "";
            StatementCache.Entry entry = null;
            if (engine.cache.enabled()) {
                String key = cacheKey(oids);
                entry = engine.cache.get(key);
                if (entry == null) {
                    entry = engine.cache.create(key);
                    Frontend.parse(out, entry.name, sql, oids);
                    engine.stats.parses++;
                    parsedHere[i] = true;
                    // what this entry evicted is closed at once, so the server never holds more than the cache
                    engine.writePendingCloses(out);
                }
                name = entry.name;
            } else {
                Frontend.parse(out, "", sql, oids);
                engine.stats.parses++;
                parsedHere[i] = true;
            }
            used[i] = entry;
            boolean described = entry != null && entry.layout != null;
            Frontend.bind(out, "", name, formats, bytes, described ? entry.resultFormats : NO_FORMATS);
            if (!described) {
                Frontend.describe(out, 'P', "");
            }
            Frontend.execute(out, "", 0);
            if (begin == null) {
                // one Sync per binding: each runs in its own implicit transaction, as in auto-commit
                Frontend.sync(out);
                engine.stats.syncs++;
            }
        }
        if (begin != null) {
            // one Sync for BEGIN and every binding: if BEGIN fails the server skips them all
            Frontend.sync(out);
            engine.stats.syncs++;
        }
        entries = used;
        expectedReadyForQuery = begin != null ? 1 : n;
    }

    private String cacheKey(int[] oids) {
        if (oids.length == 0) {
            return sql;
        }
        StringBuilder b = new StringBuilder(sql.length() + 8 * oids.length).append(sql).append('\0');
        for (int oid : oids) {
            b.append(oid).append(',');
        }
        return b.toString();
    }

    private StatementCache.@Nullable Entry entry() {
        StatementCache.Entry[] e = entries;
        return e != null && step < e.length ? e[step] : null;
    }

    @Override
    boolean onMessage(PgEngine engine, BackendMessage m) {
        byte type = m.type();
        if (prefixToSwallow > 0 && (type == '1' || type == '2' || type == 'C')) {
            prefixToSwallow--;
            return false;
        }
        switch (type) {
            case '3': // CloseComplete of an evicted statement
                return false;
            case '1': { // ParseComplete
                StatementCache.Entry e = entry();
                if (e != null) {
                    e.confirmed = true;
                }
                return false;
            }
            case '2': { // BindComplete: a described statement's columns are known already
                StatementCache.Entry e = entry();
                if (e != null && e.layout != null && extended) {
                    columns = e.layout;
                }
                if (!emitting) {
                    // the first Bind succeeded: no re-prepare can happen now, results may flow
                    emitting = true;
                    flushHeld();
                }
                return false;
            }
            case 'T': {
                PgRowMetadata c = PgRowMetadata.read(m);
                StatementCache.Entry e = entry();
                if (e != null) {
                    e.described(c);
                }
                columns = c;
                return false;
            }
            case 'n': {
                StatementCache.Entry e = entry();
                if (e != null) {
                    e.described(PgRowMetadata.EMPTY);
                }
                columns = PgRowMetadata.EMPTY;
                return false;
            }
            case 't':
                return false;
            case 'D': {
                PgRowMetadata c = columns;
                if (c == null) {
                    throw new PgProtocolException("DataRow without a RowDescription");
                }
                segment(new PgResult.PgRowSegment(PgRow.read(m, c)));
                return false;
            }
            case 'C': {
                String tag = m.readCString();
                m.expectEnd();
                if (copyOut) {
                    copyOut = false;
                    segment(new PgResult.ErrorSegment(new io.r2dbc.spi.R2dbcNonTransientResourceException(
                            "COPY TO STDOUT is not supported by the native client (use client=r2dbc-postgresql)",
                            "0A000")));
                    finishResult();
                    return false;
                }
                if (tag.equals("LISTEN")) {
                    // the server listens now, but this client drops notifications: say so rather than lose them
                    segment(new PgResult.ErrorSegment(new io.r2dbc.spi.R2dbcNonTransientResourceException(
                            "LISTEN/NOTIFY is not supported by the native client: notifications would be dropped"
                                    + " (use client=r2dbc-postgresql)", "0A000")));
                    finishResult();
                    return false;
                }
                if (tag.equals("DISCARD ALL") || tag.equals("DEALLOCATE ALL")) {
                    // the server dropped every prepared statement: preparing again beats a 26000 on the next Bind
                    engine.cache.clear();
                }
                long count = rowCount(tag);
                if (count >= 0) {
                    segment(new PgResult.PgUpdateCount(count));
                }
                finishResult();
                return false;
            }
            case 'I':
            case 's':
                finishResult();
                return false;
            case 'N':
                segment(new PgResult.PgMessage(ServerErrors.toException(ServerErrorFields.read(m), sql)));
                return false;
            case 'E': {
                ServerErrorFields f = ServerErrorFields.read(m);
                onError(engine, f);
                return false;
            }
            case 'G': // CopyInResponse: refuse, the server answers with an error
                Frontend.copyFail(engine.out(), "COPY FROM STDIN is not supported by the native client (use"
                        + " client=r2dbc-postgresql)");
                engine.scheduleFlush();
                return false;
            case 'H': // CopyOutResponse: drop the data, report at the end
                copyOut = true;
                return false;
            case 'W':
                throw new PgProtocolException("COPY BOTH (replication) is not supported by the native client");
            case 'd':
            case 'c':
                if (!copyOut) {
                    throw new PgProtocolException("COPY data outside a COPY");
                }
                return false;
            case 'Z':
                readyForQuery++;
                return readyForQuery >= expectedReadyForQuery && complete(engine);
            default:
                throw new PgProtocolException("unexpected message '" + (char) type + "' in answer to a statement");
        }
    }

    private void onError(PgEngine engine, ServerErrorFields error) {
        // only a simple Query carries the BEGIN in its text (the extended protocol sends it as a Parse of its own)
        ServerErrorFields f = extended ? error : Frontend.withoutBegin(error, begin);
        if (engine.noteFatal(f)) {
            // the server closes the connection next: the exchange fails then, with the host:port and this message
            return;
        }
        String b = begin;
        if (b != null && prefixToSwallow > 0) {
            // the BEGIN itself failed: the statement did not run, and the transaction is still to begin
            engine.beginFailed(b);
        }
        if (firstError == null) {
            firstError = f;
            firstErrorStep = step;
        }
        // a Parse this exchange sent that failed must not stay cached: the name was never created
        StatementCache.Entry[] used = entries;
        if (used != null) {
            for (int i = step; i < used.length; i++) {
                StatementCache.Entry e = used[i];
                if (e != null && parsedHere[i] && !e.confirmed) {
                    engine.cache.remove(e);
                }
            }
        }
        prefixToSwallow = 0;
        R2dbcException ex = ServerErrors.toException(f, sql);
        segment(new PgResult.ErrorSegment(ex));
        finishResult();
    }

    private void segment(Result.Segment s) {
        EventStream<Result.Segment> c = current;
        if (c == null) {
            c = start();
        }
        c.add(s);
    }

    /** A statement's answer begins: its Result goes out now (or is held while a re-prepare is possible). */
    private EventStream<Result.Segment> start() {
        PgEngine e = engine;
        EventStream<Result.Segment> c = e == null ? new EventStream<>(null) : e.segmentStream(sql);
        current = c;
        PgResult result = new PgResult(c);
        if (emitting) {
            out.add(result);
        } else {
            held.add(result);
        }
        return c;
    }

    private void finishResult() {
        EventStream<Result.Segment> c = current;
        if (c == null) {
            c = start();
        }
        finished.add(c);
        current = null;
        columns = null;
        step++;
    }

    private void flushHeld() {
        for (Result r : held) {
            out.add(r);
        }
        held.clear();
    }

    /** True when done; false when the exchange was put back in the queue to run again after a re-prepare. */
    private boolean complete(PgEngine engine) {
        ServerErrorFields error = firstError;
        StatementCache.Entry stale = error != null ? staleEntry(error) : null;
        if (stale != null) {
            // dropped even when this run cannot be repeated (in a transaction): the next use prepares it again
            engine.cache.remove(stale);
            if (error.code().equals("0A000")) {
                // the statement still exists on the server: close it with the next write
                engine.closeLater(stale.name);
            }
            if (canRunAgain(engine)) {
                retried = true;
                resubmitted = true;
                engine.submit(this);
                return true;
            }
        }
        if (current != null) {
            finishResult();
        }
        flushHeld();
        return true;
    }

    /** Whether the subscriber of this exchange's results gave up: nothing of it needs to be written any more. */
    final boolean abandoned() {
        return out.isCancelled();
    }

    /** Whether this exchange, just answered, was put back in the queue to run again (a re-prepare). */
    final boolean runsAgain() {
        return resubmitted;
    }

    @Override
    boolean holdsQueue() {
        return beganHere;
    }

    @Override
    void signal() {
        if (resubmitted) {
            // it runs again: the next attempt signals
            resubmitted = false;
            return;
        }
        for (EventStream<Result.Segment> s : finished) {
            s.complete();
        }
        out.complete();
    }

    /**
     * The cached statement the first error says is stale: gone from the server (26000, after a DISCARD or a DEALLOCATE
     * the client did not see, or behind a pooler) or planned for other result columns (0A000 after a schema change).
     */
    private StatementCache.@Nullable Entry staleEntry(ServerErrorFields error) {
        StatementCache.Entry[] used = entries;
        if (!extended || used == null || firstErrorStep >= used.length || used[firstErrorStep] == null) {
            return null;
        }
        String code = error.code();
        boolean stale = code.equals("26000") || (code.equals("0A000")
                // the routine names the cause whatever the server's language; the message on servers that omit it
                && ("RevalidateCachedQuery".equals(error.routine())
                        || error.message().contains("cached plan must not change result type")));
        return stale ? used[firstErrorStep] : null;
    }

    /** Whether a failed first binding can simply run again: nothing of it ran, and no transaction holds its failure. */
    private boolean canRunAgain(PgEngine engine) {
        return !retried && !beganHere && firstErrorStep == 0 && engine.status == 'I';
    }

    /** The row count at the end of a CommandComplete tag ({@code INSERT 0 5}, {@code UPDATE 3}), or -1. */
    static long rowCount(String tag) {
        int space = tag.lastIndexOf(' ');
        if (space < 0 || space == tag.length() - 1) {
            return -1;
        }
        long n = 0;
        for (int i = space + 1; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    @Override
    void fail(Throwable error) {
        flushHeld();
        EventStream<Result.Segment> c = current;
        if (c != null) {
            c.error(error);
        }
        for (EventStream<Result.Segment> s : finished) {
            s.complete();
        }
        out.error(error);
    }
}
