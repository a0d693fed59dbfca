package io.tidepool.bench;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What went over the wire to and from the server, counted by the kernel: the TCP segments that carried data on every
 * established connection to the server's port, as {@code ss -ti} reports them ({@code tcp_info}'s
 * {@code data_segs_in} and {@code data_segs_out}, per socket). One snapshot before a run and one after it; the
 * delta of the client-side sockets, over the requests, gives
 * <ul>
 *   <li><b>server segments per request</b>: the answers' segments. PostgreSQL flushes its output at every
 *       {@code ReadyForQuery} (one per simple {@code Query} or extended-protocol {@code Sync}), and a client that
 *       waits for each answer before it sends the next message gets each flush as its own segment: for such a client
 *       this is its round trips per request, measured. A client that pipelines gets several answers in one segment
 *       when they arrive together, so for it the figure is lower than the messages it waited on, which is the
 *       point of pipelining;</li>
 *   <li><b>client segments per request</b>: the client's flushes as they reached the wire (Linux may coalesce small
 *       writes on a busy socket, so at most the client's write calls).</li>
 * </ul>
 * It sees only connections open at both snapshots or opened in between (one closed during the run loses its
 * counts), and needs {@code ss} (iproute2) on Linux; elsewhere the figures are unknown. Cheap: one {@code ss} call
 * (a few milliseconds) before and after each run, outside the measured window.
 */
final class Wire {

    private static final Pattern SEGS_OUT = Pattern.compile("\\bdata_segs_out:(\\d+)");
    private static final Pattern SEGS_IN = Pattern.compile("\\bdata_segs_in:(\\d+)");

    /** Whether {@code ss} answered once; false stops asking. */
    private static volatile boolean available = true;

    private Wire() {
    }

    /**
     * Per client-side socket to {@code serverPort} (keyed by its local address), segments sent and received with
     * data; null when unknown.
     */
    static @Nullable Map<String, long[]> snapshot(int serverPort) {
        if (!available) {
            return null;
        }
        try {
            Process p = new ProcessBuilder("ss", "-tinH", "state", "established", "( dport = :" + serverPort + " )")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                available = false;
                return null;
            }
            Map<String, long[]> sockets = new HashMap<>();
            String current = null;
            for (String line : out.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                if (!Character.isWhitespace(line.charAt(0))) {
                    // Recv-Q Send-Q Local:Port Peer:Port [Process]
                    String[] f = line.trim().split("\\s+");
                    current = f.length >= 4 ? f[2] : null;
                } else if (current != null) {
                    sockets.put(current, new long[]{find(SEGS_OUT, line), find(SEGS_IN, line)});
                    current = null;
                }
            }
            return sockets;
        } catch (IOException e) {
            available = false;
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * The change between two snapshots: {client segments, server segments, connections that carried at least 1 % of
     * the client's segments}; null when either is unknown. The 1 % leaves out the other contenders' idle connections,
     * which carry a background statement now and then (a pool's validation or keepalive).
     */
    static long @Nullable [] delta(@Nullable Map<String, long[]> before, @Nullable Map<String, long[]> after) {
        if (before == null || after == null) {
            return null;
        }
        long sent = 0;
        long received = 0;
        java.util.List<Long> perConnection = new java.util.ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] was = before.getOrDefault(e.getKey(), new long[2]);
            long s = Math.max(0, e.getValue()[0] - was[0]);
            sent += s;
            received += Math.max(0, e.getValue()[1] - was[1]);
            perConnection.add(s);
        }
        long threshold = Math.max(1, sent / 100);
        long used = perConnection.stream().filter(s -> s >= threshold).count();
        return new long[]{sent, received, used};
    }

    private static long find(Pattern pattern, String line) {
        Matcher m = pattern.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
