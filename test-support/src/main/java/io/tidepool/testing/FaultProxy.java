package io.tidepool.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy between the pool and the test server that can misbehave on command: pass traffic, delay it, blackhole
 * it (keep every socket open but forward nothing, like a dead network path) or cut it (close every connection, and
 * refuse new ones until told to pass again).
 *
 * <p>Plain threads do the forwarding: this is test support, outside the pipeline under test, so blocking I/O is fine.
 */
public final class FaultProxy implements AutoCloseable {

    /** What the proxy does to traffic. */
    public enum Mode { PASS, DELAY, BLACKHOLE, CUT }

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.PASS;
    private volatile long delayMillis;

    private FaultProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy in front of the shared test server. */
    public static FaultProxy toTestDatabase() {
        TestDatabase db = TestDatabase.get();
        return to(db.host(), db.port());
    }

    /** A proxy in front of {@code host:port}, for example a test server of a module's own. */
    public static FaultProxy to(String host, int port) {
        try {
            return new FaultProxy(host, port);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the fault proxy", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** An {@code r2dbc:postgresql://} URL that goes through this proxy. */
    public String r2dbcUrl() {
        return r2dbcUrl("");
    }

    /**
     * An {@code r2dbc:postgresql://} URL through this proxy as the test server's user, with {@code extraQuery} (may be
     * empty) and the client of {@link TestDatabase#CLIENT_PROPERTY} when set.
     */
    public String r2dbcUrl(String extraQuery) {
        TestDatabase db = TestDatabase.get();
        return TestDatabase.withTestClient("r2dbc:postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:"
                + port() + "/" + db.database() + (extraQuery.isEmpty() ? "" : "?" + extraQuery));
    }

    public void pass() {
        setMode(Mode.PASS);
    }

    public void delay(long millis) {
        delayMillis = millis;
        setMode(Mode.DELAY);
    }

    private synchronized void setMode(Mode next) {
        mode = next;
        notifyAll();
    }

    /** Holds a pump while the path is blackholed: bytes are swallowed, nothing is refused. */
    private synchronized void awaitOpenPath() throws InterruptedException {
        while (mode == Mode.BLACKHOLE) {
            wait();
        }
    }

    public void blackhole() {
        setMode(Mode.BLACKHOLE);
    }

    /** Closes every proxied connection now; new ones are refused until {@link #pass()}. */
    public void cut() {
        setMode(Mode.CUT);
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (mode == Mode.CUT) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    awaitOpenPath();
                    if (mode == Mode.DELAY) {
                        // simulated network latency, not a wait for a condition
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMillis));
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // either side closed: close the other
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "fault-proxy-pump");
        pump.setDaemon(true);
        pump.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }
}
