package io.tidepool.tck;

import io.tidepool.ProtocolClient;

/** The R2DBC SPI TCK through a Tidepool pool over r2dbc-postgresql ({@code client=r2dbc-postgresql}). */
class R2dbcPostgresqlPoolTckTests extends PoolTck {

    R2dbcPostgresqlPoolTckTests() {
        super(ProtocolClient.R2DBC_POSTGRESQL);
    }
}
