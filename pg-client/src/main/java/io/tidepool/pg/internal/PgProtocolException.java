package io.tidepool.pg.internal;

/**
 * The server sent something the client cannot read: a wrong length, an unknown message type, a field past the end of
 * its message, or a message that makes no sense in the connection's state. The connection is closed when this is thrown.
 */
final class PgProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    PgProtocolException(String message) {
        super(message);
    }
}
