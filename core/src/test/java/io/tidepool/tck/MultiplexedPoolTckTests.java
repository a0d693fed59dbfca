package io.tidepool.tck;

import io.tidepool.ProtocolClient;

/**
 * The R2DBC SPI TCK through a multiplexing Tidepool pool ({@code multiplex=true}): every connection the TCK opens is
 * virtual, its auto-commit statements run on the shared lane, and its transactions, savepoints, isolation levels and
 * timeouts on the connection of its own they pin.
 */
class MultiplexedPoolTckTests extends PoolTck {

    MultiplexedPoolTckTests() {
        super(ProtocolClient.NATIVE, "&multiplex=true&multiplexConnections=2");
    }
}
