package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the server's byte stream into messages and hands each to the {@link BackendListener} in place, without a
 * frame object or a slice per message. A wrong length or an unknown type byte fails the connection: the decoder stops
 * reading (drops whatever follows) and the exception reaches the pipeline's {@code exceptionCaught}.
 */
final class PgDecoder extends ByteToMessageDecoder {

    /** PostgreSQL caps a field at 1 GiB; a longer message can only be garbage. */
    static final int MAX_MESSAGE_LENGTH = (1 << 30) + 64 * 1024;

    private final BackendListener listener;
    private final BackendMessage message = new BackendMessage();
    private boolean failed;

    PgDecoder(BackendListener listener) {
        this.listener = listener;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            // after a protocol error nothing that follows can be trusted: drop it
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.readableBytes() >= 5) {
                int start = in.readerIndex();
                byte type = in.getByte(start);
                int length = in.getInt(start + 1);
                if (!isKnownType(type)) {
                    throw new PgProtocolException("unknown backend message type 0x"
                            + Integer.toHexString(type & 0xFF));
                }
                if (length < 4 || length > MAX_MESSAGE_LENGTH) {
                    throw new PgProtocolException("backend message '" + (char) type + "' has an invalid length "
                            + length);
                }
                if (in.readableBytes() < 1 + length) {
                    return; // wait for the rest of the message
                }
                int end = start + 1 + length;
                message.reset(in, type, start + 5, end);
                // advance first: a listener that throws must not see the message again
                in.readerIndex(end);
                listener.onMessage(message);
            }
        } catch (RuntimeException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    static boolean isKnownType(byte type) {
        switch (type) {
            case 'R': case 'S': case 'K': case 'Z': case 'T': case 'D': case 'C': case 'I': case 'E': case 'N':
            case '1': case '2': case '3': case 'n': case 't': case 's': case 'A': case 'G': case 'H': case 'W':
            case 'd': case 'c': case 'v': case 'V':
                return true;
            default:
                return false;
        }
    }
}
