package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import java.util.function.Consumer;

/**
 * Sends SSLRequest on connect and reads the server's one-byte answer: on {@code 'S'} it puts Netty's SslHandler in
 * front and hands over to the protocol decoder once the handshake is done; {@code 'N'} fails the connection, since
 * this handler is only used when TLS is required.
 */
final class SslNegotiator extends ChannelInboundHandlerAdapter {

    private final SslContext sslContext;
    private final String host;
    private final int port;
    private final PgDecoder decoder;
    private final Runnable onHandshake;
    private final Consumer<Throwable> onFailure;
    private boolean answered;

    SslNegotiator(SslContext sslContext, String host, int port, PgDecoder decoder, Runnable onHandshake,
            Consumer<Throwable> onFailure) {
        this.sslContext = sslContext;
        this.host = host;
        this.port = port;
        this.decoder = decoder;
        this.onHandshake = onHandshake;
        this.onFailure = onFailure;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf request = ctx.alloc().buffer(8);
        Frontend.sslRequest(request);
        ctx.writeAndFlush(request, ctx.voidPromise());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (answered || !(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!in.isReadable()) {
                return;
            }
            answered = true;
            byte answer = in.readByte();
            if (answer == 'S') {
                if (in.isReadable()) {
                    // bytes after 'S' arrived unencrypted: a man in the middle could have put them there
                    fail(ctx, new PgConnectionException("the server at " + host + ":" + port + " sent data before"
                            + " the TLS handshake", null));
                    return;
                }
                SslHandler tls = sslContext.newHandler(ctx.alloc(), host, port);
                ctx.pipeline().addFirst("tls", tls);
                ctx.pipeline().replace(this, "decoder", decoder);
                tls.handshakeFuture().addListener(f -> {
                    if (f.isSuccess()) {
                        onHandshake.run();
                    } else {
                        fail(ctx, new PgConnectionException("TLS handshake with " + host + ":" + port + " failed: "
                                + f.cause().getMessage(), f.cause()));
                    }
                });
            } else if (answer == 'N') {
                fail(ctx, new PgConnectionException("the server at " + host + ":" + port + " does not accept TLS"
                        + " connections and sslMode requires TLS", null));
            } else {
                fail(ctx, new PgConnectionException("the server at " + host + ":" + port + " answered the"
                        + " SSLRequest with 0x" + Integer.toHexString(answer & 0xFF), null));
            }
        } finally {
            in.release();
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable error) {
        onFailure.accept(error);
        ctx.close();
    }
}
