package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcNonTransientResourceException;

/**
 * A result on a connection shared by many callers (the multiplexed lane) was read too slowly: its rows were dropped
 * when the bound of rows waiting for the reader was reached, so that the connection kept serving everyone else.
 */
final class PgResultOverflowException extends R2dbcNonTransientResourceException {

    private static final long serialVersionUID = 1L;

    PgResultOverflowException(int rowLimit, String hostPort, String sql) {
        super("a result was read too slowly: " + rowLimit + " rows were waiting for their reader on a connection to "
                + hostPort + " that many callers share (the multiplexed lane), so the rest was dropped; read rows as"
                + " they arrive, or run the statement in a transaction (which pins a connection of its own): "
                + abbreviated(sql), "54000", 0, sql);
    }

    private static String abbreviated(String sql) {
        return sql.length() <= 80 ? sql : sql.substring(0, 77) + "...";
    }
}
