package io.tidepool.internal;

/**
 * Tells, from its SQL text alone, whether a statement leaves state in the session that would outlive the borrowing
 * and reach the next borrower of the connection: {@code SET} (not {@code SET LOCAL}), {@code RESET},
 * {@code SET SESSION CHARACTERISTICS}, {@code set_config(...)}, temporary objects, {@code LISTEN}, cursors
 * declared {@code WITH HOLD}, {@code LOAD}, session-level advisory locks, and {@code PREPARE}.
 *
 * <p>The scan errs on the safe side: a keyword inside a string literal or a comment may be taken for a statement
 * (which costs one reset round trip on return), but a statement that changes the session is never missed for want
 * of a space or a letter case. It reads each character at most a few times and allocates nothing: it runs on every
 * statement a borrower executes.
 */
final class SessionStatements {

    /** Nothing that outlives the borrowing. */
    static final int NONE = 0;
    /** Settings, temporary objects, listeners, held cursors or advisory locks: undone by a session reset. */
    static final int RESETTABLE = 1;
    /**
     * A prepared statement of the borrower's own: a reset would have to deallocate every prepared statement,
     * the driver's cached ones with them, so the connection is closed instead.
     */
    static final int PREPARED = 2;

    /**
     * Transaction control, explicit locks and cursors: harmless on a connection of one's own, but their effect
     * outlives the statement, so a multiplexed borrower must not run them on a shared connection.
     */
    private static final int TRANSACTIONAL = 4;

    private SessionStatements() {
    }

    /** What {@code sql} leaves in the session: {@link #NONE}, or {@link #RESETTABLE} and/or {@link #PREPARED} bits. */
    static int changes(String sql) {
        return scan(sql) & (RESETTABLE | PREPARED);
    }

    /**
     * Whether anything {@code sql} does outlives the statement itself: a session change as {@link #changes}, or a
     * transaction, lock or cursor it begins or ends. A multiplexed borrower is pinned to a connection of its own
     * before such a statement runs.
     */
    static boolean outlivesStatement(String sql) {
        return scan(sql) != NONE;
    }

    private static int scan(String sql) {
        int found = NONE;
        int length = sql.length();
        boolean statementStart = true;
        for (int i = 0; i < length; i++) {
            char c = sql.charAt(i);
            if (c == ';') {
                statementStart = true;
                continue;
            }
            if (Character.isWhitespace(c) || c == '(') {
                continue;
            }
            if (c == '-' && i + 1 < length && sql.charAt(i + 1) == '-') {
                // a line comment: skip to its end, still at a statement's start if it was there
                int end = sql.indexOf('\n', i);
                i = end < 0 ? length : end;
                continue;
            }
            if (c == '/' && i + 1 < length && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? length : end + 1;
                continue;
            }
            if (statementStart) {
                found |= leadingKeyword(sql, i);
                statementStart = false;
            }
            if ((c == 's' || c == 'S') && startsWith(sql, i, "set_config")) {
                found |= RESETTABLE;
            } else if ((c == 'p' || c == 'P') && isSessionAdvisoryLock(sql, i)) {
                found |= RESETTABLE;
            }
        }
        return found;
    }

    /** The statement that starts at {@code at}: what its first words leave in the session. */
    private static int leadingKeyword(String sql, int at) {
        if (word(sql, at, "set")) {
            int next = skipSpace(sql, at + 3);
            // SET LOCAL and SET TRANSACTION end with the transaction; SET SESSION CHARACTERISTICS does not
            return word(sql, next, "local") || word(sql, next, "transaction") ? NONE : RESETTABLE;
        }
        if (word(sql, at, "reset") || word(sql, at, "listen") || word(sql, at, "load")) {
            return RESETTABLE;
        }
        if (word(sql, at, "prepare")) {
            // PREPARE TRANSACTION is two-phase commit, not a prepared statement
            return word(sql, skipSpace(sql, at + 7), "transaction") ? TRANSACTIONAL : PREPARED;
        }
        if (word(sql, at, "create")) {
            int next = skipSpace(sql, at + 6);
            if (word(sql, next, "or")) {
                // CREATE OR REPLACE TEMP VIEW
                next = skipSpace(sql, skipSpace(sql, next + 2) + 7);
            }
            if (word(sql, next, "global") || word(sql, next, "local")) {
                next = skipSpace(sql, next + (word(sql, next, "global") ? 6 : 5));
            }
            return word(sql, next, "temp") || word(sql, next, "temporary") ? RESETTABLE : NONE;
        }
        if (word(sql, at, "declare")) {
            // a cursor WITH HOLD outlives its transaction; any other ends with it
            return containsWord(sql, at, "hold") ? RESETTABLE : TRANSACTIONAL;
        }
        return isTransactionControl(sql, at) ? TRANSACTIONAL : NONE;
    }

    private static boolean isTransactionControl(String sql, int at) {
        return word(sql, at, "begin") || word(sql, at, "start") || word(sql, at, "commit") || word(sql, at, "end")
                || word(sql, at, "rollback") || word(sql, at, "abort") || word(sql, at, "savepoint")
                || word(sql, at, "release") || word(sql, at, "lock") || word(sql, at, "fetch")
                || word(sql, at, "move") || word(sql, at, "close");
    }

    /** {@code pg_advisory_lock}, {@code pg_advisory_lock_shared}, {@code pg_try_advisory_lock...}; not the _xact_ ones. */
    private static boolean isSessionAdvisoryLock(String sql, int at) {
        return startsWith(sql, at, "pg_advisory_lock") || startsWith(sql, at, "pg_try_advisory_lock");
    }

    private static boolean word(String sql, int at, String word) {
        if (!startsWith(sql, at, word)) {
            return false;
        }
        int end = at + word.length();
        return end == sql.length() || !Character.isLetterOrDigit(sql.charAt(end)) && sql.charAt(end) != '_';
    }

    private static boolean startsWith(String sql, int at, String prefix) {
        return sql.regionMatches(true, at, prefix, 0, prefix.length());
    }

    private static boolean containsWord(String sql, int from, String word) {
        int end = sql.indexOf(';', from);
        int limit = end < 0 ? sql.length() : end;
        for (int i = from; i + word.length() <= limit; i++) {
            if (word(sql, i, word) && (i == 0 || !Character.isLetterOrDigit(sql.charAt(i - 1)))) {
                return true;
            }
        }
        return false;
    }

    private static int skipSpace(String sql, int at) {
        int i = at;
        while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        return i;
    }
}
