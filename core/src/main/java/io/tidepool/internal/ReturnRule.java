package io.tidepool.internal;

/**
 * The one rule of reset on return: from what a borrowing left behind, what its return does with the connection.
 * Pure: no connection, no server, no time; {@link Lease} carries the plan out, exactly once.
 *
 * <table>
 *   <caption>The rule, first matching row wins</caption>
 *   <tr><th>what the borrowing left</th><th>outcome</th></tr>
 *   <tr><td>an error that breaks connections, or the connection retired by evictAll</td><td>{@link Outcome#DISCARD}</td></tr>
 *   <tr><td>a prepared statement of the borrower's own</td><td>{@link Outcome#DISCARD}</td></tr>
 *   <tr><td>ended cleanly, every exchange answered, out of any transaction, nothing changed</td><td>{@link Outcome#FREE}: no round trip</td></tr>
 *   <tr><td>ended cleanly but in a transaction, or with a setting changed</td><td>{@link Outcome#RESET}</td></tr>
 *   <tr><td>cut short mid-conversation (cancelled, failed, a result unread)</td><td>{@link Outcome#DRAIN_AND_RESET}: if the server is still busy after a grace period, the statement is cancelled and the connection discarded</td></tr>
 * </table>
 */
final class ReturnRule {

    /** What happens to the connection. */
    enum Outcome {
        /** Back to the pool as it is: the server said it is idle and nothing was changed. */
        FREE,
        /** Rolled back and restored (see the plan's flags), then back to the pool. */
        RESET,
        /** As {@link #RESET}, after draining what the borrower left unread; cancelled and discarded if it hangs. */
        DRAIN_AND_RESET,
        /** Closed. */
        DISCARD
    }

    /**
     * What the return does.
     *
     * @param outcome what happens to the connection
     * @param rollback whether a ROLLBACK goes first (it is free of effect outside a transaction)
     * @param resetSession whether the whole session is reset (settings, temporary objects, listeners, locks); it
     *        restores isolation and timeouts with everything else
     * @param restoreIsolation whether the isolation level set through the API is restored
     * @param resetTimeouts whether statement and lock timeouts set through the API are reset
     */
    record Plan(Outcome outcome, boolean rollback, boolean resetSession, boolean restoreIsolation,
                boolean resetTimeouts) {

        static final Plan FREE = new Plan(Outcome.FREE, false, false, false, false);
        static final Plan DISCARD = new Plan(Outcome.DISCARD, false, false, false, false);
    }

    /**
     * What the borrowing left behind.
     *
     * @param brokenByError it ended with an error the classifier says closes its connection
     * @param retired the connection was opened before the last {@code evictAll()}
     * @param endedCleanly the borrower's pipeline completed (not cancelled, not failed)
     * @param quiet every exchange ended normally and every result was read
     * @param autoCommit the driver's view after the last exchange: no transaction open
     * @param isolationChanged the isolation level was set through the API
     * @param timeoutsChanged a statement or lock timeout was set through the API
     * @param sessionChanges {@link SessionStatements} bits of the statements it ran
     */
    record Borrowing(boolean brokenByError, boolean retired, boolean endedCleanly, boolean quiet, boolean autoCommit,
                     boolean isolationChanged, boolean timeoutsChanged, int sessionChanges) {
    }

    private ReturnRule() {
    }

    /** The plan for one return. */
    static Plan decide(Borrowing b) {
        if (b.brokenByError() || b.retired()) {
            return Plan.DISCARD;
        }
        if ((b.sessionChanges() & SessionStatements.PREPARED) != 0) {
            // deallocating the borrower's statement by name is guesswork, all of them would take the driver's too
            return Plan.DISCARD;
        }
        boolean settled = b.endedCleanly() && b.quiet();
        // the server reported the transaction status at the end of the last exchange: a clean return is free
        boolean outOfTransaction = settled && b.autoCommit();
        boolean session = b.sessionChanges() != SessionStatements.NONE;
        if (outOfTransaction && !session && !b.isolationChanged() && !b.timeoutsChanged()) {
            return Plan.FREE;
        }
        return new Plan(settled ? Outcome.RESET : Outcome.DRAIN_AND_RESET, !outOfTransaction, session,
                !session && b.isolationChanged(), !session && b.timeoutsChanged());
    }
}
