package io.tidepool.pg;

import io.r2dbc.spi.Connection;
import reactor.core.publisher.Mono;

import java.util.Map;

/**
 * The pool-facing view of a connection made by {@link PgConnectionFactory}: every {@link Connection} it emits
 * implements this interface. It exposes what a pool needs to return a connection without a round trip (the
 * transaction status of the latest {@code ReadyForQuery}) and the cancel request.
 *
 * <p>All methods are safe to call from any thread; the status reads are plain volatile reads.
 *
 * @since 0.1.0
 */
public interface PgSession extends Connection {

    /**
     * The transaction status from the latest {@code ReadyForQuery} the server sent. It lags behind commands still in
     * flight: combine with {@link #isQuiescent()}.
     */
    PgTransactionStatus transactionStatus();

    /**
     * {@code true} when nothing is in flight or queued, no transaction is pending on the client side (a
     * {@code beginTransaction()} whose BEGIN has not been sent yet), and the server's latest status is
     * {@link PgTransactionStatus#IDLE}: the connection can go back to a pool with no round trip.
     */
    boolean isIdleOutsideTransaction();

    /** {@code true} when no command is in flight or waiting to be written. */
    boolean isQuiescent();

    /** {@code true} once the connection is closed or lost; every later command fails. */
    boolean isClosed();

    /** The server parameters reported so far ({@code server_version}, {@code TimeZone}...), read-only. */
    Map<String, String> serverParameters();

    /** The server this connection went to: of several hosts, the one chosen; its cancel requests go there too. */
    PgHost host();

    /** The backend process id from {@code BackendKeyData}. */
    int processId();

    /**
     * Sends a {@code CancelRequest} for whatever this connection runs now, over a new short-lived connection. The
     * server answers nothing; the cancelled statement fails with SQLSTATE 57014 (as an
     * {@link io.r2dbc.spi.R2dbcTimeoutException}). Never use it on a connection shared by several callers.
     *
     * @return completes when the request was written and the short connection closed
     */
    Mono<Void> cancelRequest();
}
