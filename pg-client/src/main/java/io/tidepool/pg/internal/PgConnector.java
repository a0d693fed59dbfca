package io.tidepool.pg.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.r2dbc.spi.R2dbcException;
import io.tidepool.pg.PgConnectionConfiguration;
import io.tidepool.pg.PgHost;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgSslMode;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import javax.net.ssl.SSLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Opens connections: TCP (epoll or NIO, on the next event loop of the shared group), TLS when asked, startup and
 * authentication, all under one connect timeout; the socket set up as {@link io.tidepool.pg.TcpSettings} say. Also
 * sends cancel requests.
 */
public final class PgConnector {

    private final PgConnectionConfiguration config;
    private final @Nullable SslContext sslContext;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final SocketSettings socket;

    /**
     * A connector for {@code config} on the client's shared event loops; builds the TLS context once.
     *
     * @throws IllegalArgumentException when the TLS context cannot be made (for example an unreadable root cert)
     */
    public PgConnector(PgConnectionConfiguration config) {
        this(config, PgResources.group(), PgResources.channelClass());
    }

    /**
     * A connector for {@code config} whose connections run on {@code group} (NIO, or epoll when the group's loops
     * run epoll).
     *
     * @throws IllegalArgumentException when the TLS context cannot be made (for example an unreadable root cert)
     */
    public PgConnector(PgConnectionConfiguration config, EventLoopGroup group) {
        this(config, group, PgResources.channelClassFor(group));
    }

    private PgConnector(PgConnectionConfiguration config, EventLoopGroup group,
            Class<? extends SocketChannel> channelClass) {
        this.group = group;
        this.channelClass = channelClass;
        this.config = config;
        this.socket = new SocketSettings(config.tcp(), channelClass, String.valueOf(config.hosts()));
        Randomness.get(); // seeds the client's SecureRandom here, off the event loops
        this.sslContext = config.sslMode() == PgSslMode.DISABLE ? null : sslContext(config);
    }

    private static SslContext sslContext(PgConnectionConfiguration config) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().secureRandom(Randomness.get());
            if (config.sslMode() == PgSslMode.REQUIRE) {
                // require: encrypted, nothing verified (libpq's meaning)
                b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            } else {
                if (config.sslRootCert() != null) {
                    b.trustManager(config.sslRootCert().toFile());
                }
                b.endpointIdentificationAlgorithm("HTTPS");
            }
            return b.build();
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("could not set up TLS for " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Connects to the configuration's (first) host; the Mono emits once the server is ready for queries, or fails
     * with an R2DBC exception.
     */
    public Mono<PgSession> connect() {
        return connect(config.hosts().get(0));
    }

    /** Connects to {@code host}, within the connect timeout; as {@link #connect()}. */
    public Mono<PgSession> connect(PgHost host) {
        return Mono.create(sink -> connect(host, sink));
    }

    private void connect(PgHost host, MonoSink<PgSession> sink) {
        String hostPort = host.toString();
        AtomicBoolean done = new AtomicBoolean();
        Bootstrap bootstrap = socket.applyTo(new Bootstrap())
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        config.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        PgEngine engine = new PgEngine(ch, hostPort, config.statementCacheSize(),
                                config.pipelineLimit());
                        PgConnectionImpl connection = new PgConnectionImpl(engine, PgConnector.this, host);
                        Runnable ready = () -> {
                            if (done.compareAndSet(false, true)) {
                                sink.success(connection);
                            }
                        };
                        java.util.function.Consumer<Throwable> failed = e -> {
                            if (done.compareAndSet(false, true)) {
                                sink.error(e);
                            }
                            ch.close();
                        };
                        Runnable startup = () -> engine.submit(new StartupCommand(config, ready, failed));
                        PgDecoder decoder = new PgDecoder(engine);
                        if (sslContext != null) {
                            ch.pipeline().addLast("ssl-negotiator", new SslNegotiator(sslContext, host.name(),
                                    host.port(), decoder, startup, failed));
                        } else {
                            ch.pipeline().addLast("decoder", decoder);
                            ch.pipeline().addLast("engine-start", new io.netty.channel.ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                                    startup.run();
                                    ctx.pipeline().remove(this);
                                    ctx.fireChannelActive();
                                }
                            });
                        }
                        ch.pipeline().addLast("engine", engine);
                        ch.eventLoop().schedule(() -> {
                            if (done.compareAndSet(false, true)) {
                                sink.error(new PgConnectTimeoutException("connecting to " + hostPort
                                        + " timed out after " + config.connectTimeout().toMillis() + "ms"));
                                ch.close();
                            }
                        }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
                        AtomicBoolean connected = new AtomicBoolean();
                        ch.pipeline().addFirst("connected", new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                                connected.set(true);
                                ctx.pipeline().remove(this);
                                ctx.fireChannelActive();
                            }
                        });
                        ch.closeFuture().addListener(f -> {
                            // a channel that never connected is reported by the connect future's listener
                            if (connected.get() && done.compareAndSet(false, true)) {
                                sink.error(new PgConnectionException("connection to " + hostPort
                                        + " closed during startup", null));
                            }
                        });
                    }
                });
        ChannelFuture future = bootstrap.connect(host.name(), host.port());
        future.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() && done.compareAndSet(false, true)) {
                sink.error(new PgConnectionException("could not connect to " + hostPort + ": "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        sink.onCancel(() -> {
            if (done.compareAndSet(false, true)) {
                future.channel().close();
            }
        });
    }

    /** Sends a CancelRequest for {@code processId} to {@code host}, the connection's, over a new one, then closes it. */
    Mono<Void> cancel(PgHost host, int processId, int secretKey) {
        return Mono.create(sink -> {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(channelClass)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                            config.connectTimeout().toMillis()))
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter());
            bootstrap.connect(host.name(), host.port()).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    sink.error(cancelFailed(host, f.cause()));
                    return;
                }
                ByteBuf request = f.channel().alloc().buffer(16);
                Frontend.cancelRequest(request, processId, secretKey);
                f.channel().writeAndFlush(request).addListener((ChannelFutureListener) w -> {
                    // the server answers nothing and closes: closing ourselves is enough
                    w.channel().close().addListener(c -> {
                        if (w.isSuccess()) {
                            sink.success();
                        } else {
                            sink.error(cancelFailed(host, w.cause()));
                        }
                    });
                });
            });
        });
    }

    private static R2dbcException cancelFailed(PgHost host, Throwable cause) {
        return new PgConnectionException("could not send a cancel request to " + host + ": "
                + cause.getMessage(), cause);
    }

    /** The TCP settings the transport cannot take (option names): empty on epoll. */
    List<String> socketSettingsLeftOut() {
        return socket.leftOut();
    }
}
