package io.tidepool.error;

/**
 * What kind of failure an error is, and the two things that follow from it: whether the connection it came from can
 * still be trusted, and whether the unit of work may be tried again.
 *
 * @see ErrorClassifier
 */
public enum ErrorCategory {

    /** The connection failed or was closed: I/O, SQLSTATE class 08, 57P01 to 57P03 (server shutting down). */
    TRANSIENT_CONNECTION("the connection to the database failed or was closed", true, true),
    /** The transaction lost a conflict: 40001 serialization failure, 40P01 deadlock. Retry the whole transaction. */
    TRANSACTION_CONFLICT("the transaction conflicted with another (serialization failure or deadlock)", false, true),
    /** A statement or the pool took too long: 57014 statement cancelled, 55P03 lock not available, R2DBC timeouts. */
    TIMEOUT("the operation took longer than allowed", false, false),
    /** The pool had no connection to give in time, or too many callers were waiting already. */
    POOL_EXHAUSTED("every connection of the pool was busy", false, true),
    /** The pool was closed. */
    POOL_CLOSED("the pool is closed", false, false),
    /** A constraint was violated: class 23 (unique, foreign key, not null, check, exclusion). */
    INTEGRITY("the data violates a constraint", false, false),
    /** The statement is wrong: class 42 (syntax, unknown table or column), 0A000 feature not supported. */
    PROGRAMMING("the statement is wrong (syntax, unknown table or column, unsupported feature)", false, false),
    /** A value is wrong: class 22 (division by zero, bad number or date, value too long). */
    DATA("a value is invalid for the operation", false, false),
    /** Authentication or privileges: class 28, 42501. Retrying does not help. */
    PERMISSION("authentication failed or a privilege is missing", false, false),
    /**
     * The configuration names something that does not exist or cannot be trusted: 3D000 unknown database, a bad
     * option, a server certificate that fails verification.
     */
    CONFIGURATION("the configuration names a database or option that does not exist", false, false),
    /** The server is out of a resource: class 53 (too many connections, out of memory, disk full). */
    SERVER_RESOURCES("the server is out of a resource (connections, memory or disk)", false, true),
    /** None of the above. Neither discarded nor retried. */
    UNKNOWN("an unclassified error", false, false);

    private final String description;
    private final boolean discardsConnection;
    private final boolean retryable;

    ErrorCategory(String description, boolean discardsConnection, boolean retryable) {
        this.description = description;
        this.discardsConnection = discardsConnection;
        this.retryable = retryable;
    }

    /** The category in plain words, for messages: {@code "the data violates a constraint"}. */
    public String description() {
        return description;
    }

    /** True when a connection that raised such an error must be closed instead of returned to the pool. */
    public boolean discardsConnection() {
        return discardsConnection;
    }

    /**
     * True when the failed unit of work may be tried again: nothing about it is wrong, the conditions were. Whether it
     * is retried also depends on the work (a transaction, or work its caller declared idempotent).
     */
    public boolean retryable() {
        return retryable;
    }
}
