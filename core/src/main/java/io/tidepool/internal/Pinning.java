package io.tidepool.internal;

/**
 * When a multiplexed borrower moves to a connection of its own: the one place for the rule. The R2DBC calls that pin
 * are those of {@link VirtualConnection} that go through its {@code onPinned} (transactions, savepoints, isolation,
 * statement and lock timeouts, auto-commit off); a statement or batch pins when its SQL does anything that outlives
 * the statement ({@link SessionStatements#outlivesStatement}): session settings, temporary objects, LISTEN, cursors,
 * prepared statements, advisory locks, explicit locks and transaction control.
 */
final class Pinning {

    private Pinning() {
    }

    /** Whether running {@code sql} moves its borrower to a connection of its own first. */
    static boolean pinsStatement(String sql) {
        return SessionStatements.outlivesStatement(sql);
    }
}
