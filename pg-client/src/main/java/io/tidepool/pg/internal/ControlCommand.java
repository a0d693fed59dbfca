package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.MonoSink;

/**
 * A connection-control exchange with no result to hand out: record a BEGIN, COMMIT, ROLLBACK, SAVEPOINT, SET,
 * validation. It completes the sink empty at its ReadyForQuery, or with the first server error; a BEGIN record, and a
 * COMMIT or ROLLBACK of a transaction that sent nothing, complete at once without touching the wire.
 */
final class ControlCommand extends Command {

    enum Kind {
        /** Records a BEGIN for the next statement: no round trip. */
        BEGIN,
        /** Ends the transaction if its BEGIN was sent; otherwise just forgets it. */
        END_TRANSACTION,
        /** A statement that starts the pending transaction if there is one (SAVEPOINT). */
        IN_TRANSACTION,
        /** A statement that never carries the BEGIN (SET, validation). */
        PLAIN,
        /** Switches the engine's auto-commit mode ({@code sql} is "on" or "off"): no round trip. */
        AUTO_COMMIT
    }

    private static final ServerErrorFields COMMIT_ROLLED_BACK = new ServerErrorFields(java.util.Map.of(
            'S', "ERROR", 'C', "40000", 'M', "the transaction was rolled back, not committed: a statement in it had"
                    + " failed (the server answered COMMIT with ROLLBACK)"));

    private final Kind kind;
    private final String sql;
    private final MonoSink<Void> sink;
    private @Nullable ServerErrorFields error;
    private @Nullable String carriedBegin;
    private boolean completedOne;

    ControlCommand(Kind kind, String sql, MonoSink<Void> sink) {
        this.kind = kind;
        this.sql = sql;
        this.sink = sink;
    }

    @Override
    boolean encode(PgEngine engine, ByteBuf out) {
        switch (kind) {
            case BEGIN:
                engine.recordBegin(sql);
                return false;
            case AUTO_COMMIT:
                engine.autoCommit(sql.equals("on"));
                return false;
            case END_TRANSACTION:
                if (engine.tx() != PgEngine.Tx.OPEN) {
                    // nothing was sent in this transaction: nothing to end on the server
                    engine.endTransaction();
                    return false;
                }
                engine.endTransaction();
                Frontend.query(out, sql);
                break;
            case IN_TRANSACTION: {
                String begin = engine.takeBegin();
                carriedBegin = begin;
                Frontend.query(out, begin, sql);
                break;
            }
            default:
                Frontend.query(out, sql);
                break;
        }
        engine.stats.queries++;
        return true;
    }

    @Override
    boolean onMessage(PgEngine engine, BackendMessage m) {
        switch (m.type()) {
            case 'E': {
                // a position counts in the statement's own text, not from a BEGIN sent in front of it
                ServerErrorFields f = Frontend.withoutBegin(ServerErrorFields.read(m), carriedBegin);
                engine.noteFatal(f);
                if (carriedBegin != null && !completedOne) {
                    // the BEGIN in front failed: the transaction is still to begin
                    engine.beginFailed(carriedBegin);
                }
                if (error == null) {
                    error = f;
                }
                return false;
            }
            case 'Z':
                return true;
            case 'C':
                completedOne = true;
                if (kind == Kind.END_TRANSACTION && error == null && sql.equals("COMMIT")
                        && m.readCString().equals("ROLLBACK")) {
                    // a transaction that failed earlier (an error the caller handled) is rolled back by its COMMIT:
                    // reporting success would claim its writes were kept
                    error = COMMIT_ROLLED_BACK;
                }
                return false;
            case 'T': case 'D': case 'I': case 'N':
                return false;
            case 'G':
                Frontend.copyFail(engine.out(), "COPY is not supported here");
                engine.scheduleFlush();
                return false;
            default:
                throw new PgProtocolException("unexpected message '" + (char) m.type() + "' in answer to " + sql);
        }
    }

    @Override
    boolean holdsQueue() {
        return carriedBegin != null;
    }

    @Override
    void signal() {
        ServerErrorFields f = error;
        if (f != null) {
            sink.error(ServerErrors.toException(f, sql));
        } else {
            sink.success();
        }
    }

    @Override
    void fail(Throwable e) {
        sink.error(e);
    }
}
