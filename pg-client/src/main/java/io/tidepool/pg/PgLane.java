package io.tidepool.pg;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Statement;
import io.tidepool.pg.internal.SharedLane;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Many callers' auto-commit statements pipelined over a few connections of {@link PgConnectionFactory}'s: the
 * multiplexed lane. Each statement goes out with its own Sync (an error stays with its statement) to the least-loaded
 * connection that has fewer than {@link Builder#depth(int) depth} statements in flight; when every connection is that
 * busy it waits in the lane, in arrival order, until one answers. Answers come back in the order sent.
 *
 * <p>A lane sends nothing but what its callers' statements ask for: no transaction, no setting, no cancel request (a
 * cancelled statement's answer is read and dropped, since a cancel request could hit another caller's statement).
 * Work whose effect outlives one statement (a transaction, a session setting) belongs on a connection of its own.
 *
 * <p>A result read too slowly does not hold up the connection: once {@link Builder#rowLimit(int) rowLimit} rows wait
 * for its reader, its rows are dropped and its stream fails with an {@link io.r2dbc.spi.R2dbcNonTransientResourceException}
 * that says so.
 *
 * <p>Thread safety: every method may be called from any thread.
 *
 * @since 0.2.0
 */
public interface PgLane {

    /** The default number of statements in flight per connection, {@value}. */
    int DEFAULT_DEPTH = 16;
    /** The default number of rows a result may queue for a slow reader, {@value}. */
    int DEFAULT_ROW_LIMIT = 4096;

    /**
     * Serves auto-commit statements on {@code connection} from now on, beside the lane's others. The lane does not
     * own it: the caller closes it, after {@link #remove(PgSession)} or {@link #close()}.
     *
     * @throws IllegalArgumentException when {@code connection} was not made by {@link PgConnectionFactory}
     */
    void add(PgSession connection);

    /**
     * Routes no new statement to {@code connection}; what is in flight on it is answered as usual.
     *
     * @return whether it was in the lane
     */
    boolean remove(PgSession connection);

    /** A caller of the lane: its statements in flight stay on one connection, so they run in the order executed. */
    Route route();

    /** How many connections serve the lane now. */
    int size();

    /** Statements in flight (or written and unanswered) per connection, in the order the connections were added. */
    int[] inFlight();

    /** The connections serving the lane now, in the order the connections were added (as {@link #inFlight()}). */
    java.util.List<PgSession> connections();

    /** Statements waiting in the lane for a connection to have room. */
    int waiting();

    /**
     * Closes every connection whose statements in flight have waited longer than {@code silence} without a byte from
     * the server (a network that went silent: a blackhole keeps the socket open and answers nothing): its statements
     * fail with {@code error}, and it is reported lost.
     *
     * @return how many connections it closed
     */
    int closeSilent(java.time.Duration silence, Supplier<? extends io.r2dbc.spi.R2dbcException> error);

    /**
     * Fails every statement that has waited in the lane's queue longer than {@code wait} with {@code error}: a
     * caller's deadline for getting onto a connection, as a pool's acquire timeout.
     *
     * @return how many failed
     */
    int failWaitingLongerThan(java.time.Duration wait, Supplier<? extends Throwable> error);

    /**
     * Fails every statement waiting now with {@code error}: for when no connection can serve them soon (the lane has
     * none, and opening one failed).
     *
     * @return how many failed
     */
    int failWaiting(Supplier<? extends Throwable> error);

    /**
     * Stops the lane: statements still waiting fail with the error of {@link Builder#whenClosed(Supplier)}; those in
     * flight are answered. Later statements fail with it at once.
     */
    void close();

    /** One caller of a lane, for instance one borrowing of a pool's connection. */
    interface Route {

        /** A statement run on the lane; bound and executed as on any R2DBC connection. */
        Statement createStatement(String sql);

        /** A batch of statements without binds, run on the lane as one simple Query. */
        Batch createBatch();
    }

    /** A builder of lanes, with the defaults documented on each setter. */
    static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link PgLane}; each setter checks its value at once. */
    final class Builder {

        private int depth = DEFAULT_DEPTH;
        private int maxWaiting = 1000;
        private int rowLimit = DEFAULT_ROW_LIMIT;
        private Supplier<? extends RuntimeException> saturated =
                () -> new io.r2dbc.spi.R2dbcTransientResourceException("the lane is saturated");
        private Supplier<? extends RuntimeException> closed =
                () -> new io.r2dbc.spi.R2dbcNonTransientResourceException("the lane is closed");
        private Consumer<PgSession> lost = connection -> { };
        private Runnable shortHanded = () -> { };

        private Builder() {
        }

        /** Statements in flight per connection before the next waits in the lane (default {@value #DEFAULT_DEPTH}). */
        public Builder depth(int depth) {
            if (depth < 1) {
                throw new IllegalArgumentException("depth must be at least 1, was " + depth);
            }
            this.depth = depth;
            return this;
        }

        /** Statements that may wait in the lane; one more fails with {@link #whenSaturated}'s error (default 1000). */
        public Builder maxWaiting(int maxWaiting) {
            if (maxWaiting < 0) {
                throw new IllegalArgumentException("maxWaiting must not be negative, was " + maxWaiting);
            }
            this.maxWaiting = maxWaiting;
            return this;
        }

        /** Rows a result may queue for a slow reader before it fails (default {@value #DEFAULT_ROW_LIMIT}). */
        public Builder rowLimit(int rowLimit) {
            if (rowLimit < 1) {
                throw new IllegalArgumentException("rowLimit must be at least 1, was " + rowLimit);
            }
            this.rowLimit = rowLimit;
            return this;
        }

        /** The error a statement fails with when {@code maxWaiting} statements wait already. */
        public Builder whenSaturated(Supplier<? extends RuntimeException> error) {
            this.saturated = Objects.requireNonNull(error, "error must not be null");
            return this;
        }

        /** The error a statement fails with once the lane is closed. */
        public Builder whenClosed(Supplier<? extends RuntimeException> error) {
            this.closed = Objects.requireNonNull(error, "error must not be null");
            return this;
        }

        /**
         * Told, on the connection's event loop, when a connection of the lane is lost (closed by the server or the
         * network): it has left the lane, and its statements in flight failed with a connection error.
         */
        public Builder whenLost(Consumer<PgSession> listener) {
            this.lost = Objects.requireNonNull(listener, "listener must not be null");
            return this;
        }

        /**
         * Told, on whatever thread submits or answers, whenever a statement finds connections of the lane held up by
         * slow statements (silent for 10 ms while they have work) while others move: a cue to add a connection. Called
         * often while it lasts: the listener debounces.
         */
        public Builder whenShortHanded(Runnable listener) {
            this.shortHanded = Objects.requireNonNull(listener, "listener must not be null");
            return this;
        }

        /** A new, empty lane. */
        public PgLane build() {
            return new SharedLane(depth, maxWaiting, rowLimit, saturated, closed, lost, shortHanded);
        }
    }
}
