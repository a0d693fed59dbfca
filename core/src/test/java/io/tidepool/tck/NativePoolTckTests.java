package io.tidepool.tck;

import io.tidepool.ProtocolClient;

/** The R2DBC SPI TCK through a Tidepool pool over Tidepool's own protocol client ({@code client=native}). */
class NativePoolTckTests extends PoolTck {

    NativePoolTckTests() {
        super(ProtocolClient.NATIVE);
    }
}
