package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * One backend message, read in place from the decoder's cumulation: a cursor over {@code [start, end)} of a buffer the
 * decoder owns. Every read is checked against the message's own length, so a lying server fails with
 * {@link PgProtocolException} instead of reading into the next message. The instance is reused for every message and
 * is valid only during the listener call.
 */
final class BackendMessage {

    private ByteBuf buf;
    private int position;
    private int end;
    private byte type;

    BackendMessage() {
        this.buf = io.netty.buffer.Unpooled.EMPTY_BUFFER;
    }

    void reset(ByteBuf buffer, byte messageType, int bodyStart, int bodyEnd) {
        this.buf = buffer;
        this.type = messageType;
        this.position = bodyStart;
        this.end = bodyEnd;
    }

    /** The message's type byte, e.g. {@code 'Z'} for ReadyForQuery. */
    byte type() {
        return type;
    }

    int remaining() {
        return end - position;
    }

    private void need(int n) {
        if (n < 0 || end - position < n) {
            throw new PgProtocolException("message '" + (char) type + "' is truncated: needed " + n
                    + " more byte(s), " + (end - position) + " left");
        }
    }

    byte readByte() {
        need(1);
        return buf.getByte(position++);
    }

    short readShort() {
        need(2);
        short v = buf.getShort(position);
        position += 2;
        return v;
    }

    int readInt() {
        need(4);
        int v = buf.getInt(position);
        position += 4;
        return v;
    }

    /** A count that must not be negative (column or parameter counts are int16 on the wire). */
    int readCount() {
        int n = readShort() & 0xFFFF;
        return n;
    }

    /** A NUL-terminated UTF-8 string. */
    String readCString() {
        int nul = buf.indexOf(position, end, (byte) 0);
        if (nul < 0) {
            throw new PgProtocolException("message '" + (char) type + "' has a string without its terminator");
        }
        String s = buf.toString(position, nul - position, StandardCharsets.UTF_8);
        position = nul + 1;
        return s;
    }

    byte[] readBytes(int n) {
        need(n);
        byte[] bytes = new byte[n];
        buf.getBytes(position, bytes);
        position += n;
        return bytes;
    }

    /** Copies the rest of the message (one copy per DataRow, decoded lazily by the row). */
    byte[] readRest() {
        return readBytes(end - position);
    }

    void skip(int n) {
        need(n);
        position += n;
    }

    /** Fails unless every byte of the message was read: a fixed-shape message with extra bytes is malformed. */
    void expectEnd() {
        if (position != end) {
            throw new PgProtocolException("message '" + (char) type + "' has " + (end - position)
                    + " unexpected trailing byte(s)");
        }
    }
}
