package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;

/**
 * One unit of work on the wire: what it writes and a hand-written handler for the server's answers. The engine calls
 * every method on the connection's event loop, answers in FIFO order: the head of the in-flight queue receives each
 * message until it reports itself done (normally at its last ReadyForQuery).
 */
abstract class Command {

    /**
     * Renders this command's frontend messages into the batch buffer.
     *
     * @return {@code false} when the command needs no round trip at all (it completed itself), so it must not be put
     *         in flight
     */
    abstract boolean encode(PgEngine engine, ByteBuf out);

    /**
     * One backend message for this command.
     *
     * @return {@code true} when the command is done and the next one in flight receives what follows
     */
    abstract boolean onMessage(PgEngine engine, BackendMessage message);

    /**
     * Emits the command's outcome. Called once the command is out of the queue (after {@code encode} returned
     * {@code false}, or {@code onMessage} returned {@code true}), so a subscriber that looks at the connection's
     * state when it is signalled sees the command as done.
     */
    abstract void signal();

    /**
     * Whether nothing may be written behind this command until it is answered: true for a statement that carries a
     * deferred BEGIN, so that if the BEGIN fails no later statement runs outside the transaction it was meant for.
     * Asked right after {@code encode}.
     */
    boolean holdsQueue() {
        return false;
    }

    /** The connection failed or closed before this command was done; called at most once. */
    abstract void fail(Throwable error);
}
