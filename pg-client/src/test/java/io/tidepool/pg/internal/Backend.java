package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Builds backend messages byte by byte, as a server would send them, for scripted-server tests. */
final class Backend {

    private Backend() {
    }

    static byte[] message(char type, Consumer<ByteBuf> body) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(type);
        b.writeInt(0);
        body.accept(b);
        b.setInt(1, b.writerIndex() - 1);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    static void cstring(ByteBuf b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        b.writeByte(0);
    }

    static byte[] readyForQuery(char status) {
        return message('Z', b -> b.writeByte(status));
    }

    static byte[] authOk() {
        return message('R', b -> b.writeInt(0));
    }

    static byte[] parameterStatus(String name, String value) {
        return message('S', b -> {
            cstring(b, name);
            cstring(b, value);
        });
    }

    static byte[] backendKey(int pid, int secret) {
        return message('K', b -> {
            b.writeInt(pid);
            b.writeInt(secret);
        });
    }

    static byte[] rowDescription(String name, int oid) {
        return message('T', b -> {
            b.writeShort(1);
            cstring(b, name);
            b.writeInt(0);
            b.writeShort(0);
            b.writeInt(oid);
            b.writeShort(4);
            b.writeInt(-1);
            b.writeShort(0);
        });
    }

    static byte[] dataRow(String... values) {
        return message('D', b -> {
            b.writeShort(values.length);
            for (String v : values) {
                if (v == null) {
                    b.writeInt(-1);
                } else {
                    byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
                    b.writeInt(bytes.length);
                    b.writeBytes(bytes);
                }
            }
        });
    }

    static byte[] commandComplete(String tag) {
        return message('C', b -> cstring(b, tag));
    }

    static byte[] error(String code, String text) {
        return message('E', b -> {
            b.writeByte('S');
            cstring(b, "ERROR");
            b.writeByte('V');
            cstring(b, "ERROR");
            b.writeByte('C');
            cstring(b, code);
            b.writeByte('M');
            cstring(b, text);
            b.writeByte('D');
            cstring(b, "the detail");
            b.writeByte('H');
            cstring(b, "the hint");
            b.writeByte('n');
            cstring(b, "the_constraint");
            b.writeByte(0);
        });
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }
}
