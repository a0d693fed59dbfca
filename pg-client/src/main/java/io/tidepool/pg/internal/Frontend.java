package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.jspecify.annotations.Nullable;

import java.util.Map;

/**
 * Renders frontend messages into a buffer the caller owns (the engine's batch buffer): no message objects, the length
 * of each message back-patched once its body is written.
 */
final class Frontend {

    static final int PROTOCOL_3_0 = 196608;
    static final int SSL_REQUEST_CODE = 80877103;
    static final int CANCEL_REQUEST_CODE = 80877102;

    /** Format code of text values. */
    static final short TEXT = 0;
    /** Format code of binary values. */
    static final short BINARY = 1;

    /** What joins a BEGIN riding in front of a simple Query to the statement's own text. */
    private static final String AFTER_BEGIN = ";";

    /** Parse and Bind carry their parameter count as an unsigned Int16: {@link PgStatement} refuses more. */
    static final int MAX_PARAMETERS = 0xFFFF;

    private Frontend() {
    }

    private static int begin(ByteBuf out, char type) {
        out.writeByte(type);
        int lengthAt = out.writerIndex();
        out.writeInt(0);
        return lengthAt;
    }

    private static void end(ByteBuf out, int lengthAt) {
        out.setInt(lengthAt, out.writerIndex() - lengthAt);
    }

    static void cstring(ByteBuf out, CharSequence s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) == 0) {
                // a NUL would end the string early and desynchronize the protocol
                throw new IllegalArgumentException("a string sent to the server must not contain the NUL character");
            }
        }
        ByteBufUtil.writeUtf8(out, s);
        out.writeByte(0);
    }

    static void startup(ByteBuf out, Map<String, String> parameters) {
        int lengthAt = out.writerIndex();
        out.writeInt(0);
        out.writeInt(PROTOCOL_3_0);
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            cstring(out, e.getKey());
            cstring(out, e.getValue());
        }
        out.writeByte(0);
        out.setInt(lengthAt, out.writerIndex() - lengthAt);
    }

    static void sslRequest(ByteBuf out) {
        out.writeInt(8);
        out.writeInt(SSL_REQUEST_CODE);
    }

    static void cancelRequest(ByteBuf out, int processId, int secretKey) {
        out.writeInt(16);
        out.writeInt(CANCEL_REQUEST_CODE);
        out.writeInt(processId);
        out.writeInt(secretKey);
    }

    static void password(ByteBuf out, byte[] passwordUtf8) {
        int at = begin(out, 'p');
        out.writeBytes(passwordUtf8);
        out.writeByte(0);
        end(out, at);
    }

    static void saslInitialResponse(ByteBuf out, String mechanism, byte[] data) {
        int at = begin(out, 'p');
        cstring(out, mechanism);
        out.writeInt(data.length);
        out.writeBytes(data);
        end(out, at);
    }

    static void saslResponse(ByteBuf out, byte[] data) {
        int at = begin(out, 'p');
        out.writeBytes(data);
        end(out, at);
    }

    static void query(ByteBuf out, CharSequence sql) {
        int at = begin(out, 'Q');
        cstring(out, sql);
        end(out, at);
    }

    /**
     * A simple Query of {@code sql} with {@code begin}, when one rides along, in front of it in the same text: if BEGIN
     * fails, the server skips the statement. {@link #withoutBegin} counts an error's position in {@code sql} again.
     */
    static void query(ByteBuf out, @Nullable String begin, CharSequence sql) {
        query(out, begin == null ? sql : begin + AFTER_BEGIN + sql);
    }

    /**
     * An error answering a {@link #query(ByteBuf, String, CharSequence)} that carried {@code begin}: the server counts
     * its position from the start of the text sent, the caller from the start of its statement.
     */
    static ServerErrorFields withoutBegin(ServerErrorFields error, @Nullable String begin) {
        return begin == null ? error : error.withoutPrefix(begin.length() + AFTER_BEGIN.length());
    }

    /** Parse with one type OID per parameter, at most {@link #MAX_PARAMETERS} of them. */
    static void parse(ByteBuf out, String statement, CharSequence sql, int[] parameterTypes) {
        int at = begin(out, 'P');
        cstring(out, statement);
        cstring(out, sql);
        out.writeShort(parameterTypes.length);
        for (int oid : parameterTypes) {
            out.writeInt(oid);
        }
        end(out, at);
    }

    /**
     * Bind with already-encoded parameter values.
     *
     * @param formats one format code per parameter (at most {@link #MAX_PARAMETERS} parameters)
     * @param values  one encoded value per parameter, {@code null} for SQL NULL
     * @param resultFormats the result columns' format codes: empty means all text, one means all in that format
     */
    static void bind(ByteBuf out, String portal, String statement, short[] formats, byte[][] values,
            short[] resultFormats) {
        int at = begin(out, 'B');
        cstring(out, portal);
        cstring(out, statement);
        out.writeShort(formats.length);
        for (short f : formats) {
            out.writeShort(f);
        }
        out.writeShort(values.length);
        for (byte[] v : values) {
            if (v == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(v.length);
                out.writeBytes(v);
            }
        }
        out.writeShort(resultFormats.length);
        for (short f : resultFormats) {
            out.writeShort(f);
        }
        end(out, at);
    }

    static void describe(ByteBuf out, char kind, String name) {
        int at = begin(out, 'D');
        out.writeByte(kind);
        cstring(out, name);
        end(out, at);
    }

    static void execute(ByteBuf out, String portal, int maxRows) {
        int at = begin(out, 'E');
        cstring(out, portal);
        out.writeInt(maxRows);
        end(out, at);
    }

    static void close(ByteBuf out, char kind, String name) {
        int at = begin(out, 'C');
        out.writeByte(kind);
        cstring(out, name);
        end(out, at);
    }

    static void sync(ByteBuf out) {
        out.writeByte('S');
        out.writeInt(4);
    }

    static void terminate(ByteBuf out) {
        out.writeByte('X');
        out.writeInt(4);
    }

    static void copyFail(ByteBuf out, String reason) {
        int at = begin(out, 'f');
        cstring(out, reason);
        end(out, at);
    }
}
