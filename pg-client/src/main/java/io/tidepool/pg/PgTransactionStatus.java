package io.tidepool.pg;

/**
 * The transaction status that the server reported in its latest {@code ReadyForQuery}.
 *
 * @since 0.1.0
 */
public enum PgTransactionStatus {

    /** {@code 'I'}: not in a transaction block. */
    IDLE,

    /** {@code 'T'}: in a transaction block. */
    IN_TRANSACTION,

    /** {@code 'E'}: in a failed transaction block: every statement is refused until the block ends. */
    FAILED
}
