package io.tidepool.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Loopback ports for the fixtures and tests: one the kernel says is free now. */
public final class FreePorts {

    private FreePorts() {
    }

    /**
     * A loopback port nothing listens on now: for a server the caller is about to start, or, left alone, a host that
     * refuses connections at once.
     */
    public static int loopback() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
