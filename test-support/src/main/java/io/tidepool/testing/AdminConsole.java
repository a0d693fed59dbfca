package io.tidepool.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of PostgreSQL's wire protocol (version 3, simple query, no authentication) to read PgBouncer's admin
 * console, which the test PgBouncer trusts on loopback: startup, one query, its rows as text, terminate.
 */
final class AdminConsole {

    private AdminConsole() {
    }

    static List<Map<String, String>> query(int port, String user, String sql) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            ByteArrayOutputStream startup = new ByteArrayOutputStream();
            DataOutputStream body = new DataOutputStream(startup);
            body.writeInt(196608); // protocol 3.0
            for (String s : new String[] {"user", user, "database", "pgbouncer"}) {
                body.write(s.getBytes(StandardCharsets.UTF_8));
                body.write(0);
            }
            body.write(0);
            out.writeInt(startup.size() + 4);
            out.write(startup.toByteArray());
            out.flush();
            readUntilReady(in, null, null);
            byte[] text = sql.getBytes(StandardCharsets.UTF_8);
            out.write('Q');
            out.writeInt(text.length + 5);
            out.write(text);
            out.write(0);
            out.flush();
            List<Map<String, String>> rows = new ArrayList<>();
            List<String> columns = new ArrayList<>();
            readUntilReady(in, columns, rows);
            out.write('X');
            out.writeInt(4);
            out.flush();
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("PgBouncer admin console on port " + port + ": " + sql + " failed", e);
        }
    }

    private static void readUntilReady(DataInputStream in, List<String> columns, List<Map<String, String>> rows)
            throws IOException {
        while (true) {
            int type = in.readUnsignedByte();
            byte[] payload = new byte[in.readInt() - 4];
            in.readFully(payload);
            DataInputStream p = new DataInputStream(new java.io.ByteArrayInputStream(payload));
            switch (type) {
                case 'R' -> {
                    int auth = p.readInt();
                    if (auth != 0) {
                        throw new IOException("the admin console asked for authentication (" + auth + ")");
                    }
                }
                case 'E' -> throw new IOException("the admin console answered an error: "
                        + new String(payload, StandardCharsets.UTF_8).replace('\0', ' ').trim());
                case 'T' -> {
                    int count = p.readShort();
                    for (int i = 0; i < count; i++) {
                        columns.add(cString(p));
                        p.skipBytes(18);
                    }
                }
                case 'D' -> {
                    int count = p.readShort();
                    Map<String, String> row = new LinkedHashMap<>();
                    for (int i = 0; i < count; i++) {
                        int length = p.readInt();
                        String value = null;
                        if (length >= 0) {
                            byte[] bytes = new byte[length];
                            p.readFully(bytes);
                            value = new String(bytes, StandardCharsets.UTF_8);
                        }
                        row.put(columns.get(i), value);
                    }
                    rows.add(row);
                }
                case 'Z' -> {
                    return;
                }
                default -> {
                    // ParameterStatus, BackendKeyData, CommandComplete, NoticeResponse: nothing to keep
                }
            }
        }
    }

    private static String cString(DataInputStream p) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = p.readUnsignedByte()) != 0) {
            bytes.write(b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
