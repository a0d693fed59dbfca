package io.tidepool.pg.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.r2dbc.spi.Result;
import io.tidepool.pg.PgConnectionConfiguration;
import io.tidepool.pg.PgConnectionFactory;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import io.tidepool.testing.FaultProxy;
import jdk.net.ExtendedSocketOptions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The socket settings of {@link io.tidepool.pg.TcpSettings} on real connections to the test server: read back from
 * the kernel through the channel, and {@code TCP_USER_TIMEOUT} failing a write the peer stops taking.
 */
@Timeout(60)
class SocketSettingsTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();

    private static Channel channelOf(PgSession session) {
        return ((PgConnectionImpl) session).engine().channel;
    }

    private PgConnectionConfiguration.Builder tuned() {
        return server.config().tcp(t -> t.userTimeout(Duration.ofMillis(1500)).keepAliveIdle(Duration.ofSeconds(7))
                .keepAliveInterval(Duration.ofSeconds(3)).keepAliveCount(4));
    }

    @Test
    void onEpollEverySettingReachesTheSocket() {
        assumeThat(Epoll.isAvailable()).as("the epoll transport").isTrue();
        PgSession c = new PgConnectionFactory(tuned().build()).create().block(WAIT);
        try {
            Channel channel = channelOf(c);
            assertThat(channel.config().getOption(EpollChannelOption.TCP_USER_TIMEOUT)).isEqualTo(1500);
            assertThat(channel.config().getOption(EpollChannelOption.TCP_KEEPIDLE)).isEqualTo(7);
            assertThat(channel.config().getOption(EpollChannelOption.TCP_KEEPINTVL)).isEqualTo(3);
            assertThat(channel.config().getOption(EpollChannelOption.TCP_KEEPCNT)).isEqualTo(4);
            assertThat(channel.config().getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
        } finally {
            Mono.from(c.close()).block(WAIT);
        }
    }

    @Test
    void byDefaultKeepaliveIsOnAndNoUserTimeoutIsSet() {
        assumeThat(Epoll.isAvailable()).as("the epoll transport").isTrue();
        PgSession c = server.factory().create().block(WAIT);
        try {
            Channel channel = channelOf(c);
            assertThat(channel.config().getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
            assertThat(channel.config().getOption(EpollChannelOption.TCP_USER_TIMEOUT)).isZero();
        } finally {
            Mono.from(c.close()).block(WAIT);
        }
    }

    @Test
    void onNioTheKeepaliveTimingIsSetAndTheUserTimeoutIsNamedAsLeftOut() {
        EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            PgConnectionConfiguration config = tuned().build();
            assertThat(new PgConnector(config, nio).socketSettingsLeftOut()).containsExactly("tcpUserTimeout");
            PgSession c = new PgConnectionFactory(config, nio).create().block(WAIT);
            try {
                Channel channel = channelOf(c);
                assertThat(channel.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE)))
                        .isEqualTo(7);
                assertThat(channel.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT)))
                        .isEqualTo(4);
                // the connection works without the one setting NIO cannot take
                assertThat(Mono.from(c.validate(io.r2dbc.spi.ValidationDepth.REMOTE)).block(WAIT)).isTrue();
            } finally {
                Mono.from(c.close()).block(WAIT);
            }
        } finally {
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * What a blackhole on this machine can show: the proxy stops reading, so once its receive buffer and this
     * socket's send buffer are full, the statement's bytes wait on a closed window, unacknowledged. With
     * {@code TCP_USER_TIMEOUT} the kernel fails that socket within the bound; without it, the same write waits on
     * (until the kernel's own limit, far beyond this test). A peer that vanished outright (retransmissions never
     * acknowledged) cannot be made on loopback without a firewall rule: the kernel there acknowledges everything.
     */
    @Test
    void aWriteThePeerStopsTakingFailsWithinTheUserTimeout() {
        assumeThat(Epoll.isAvailable()).as("the epoll transport").isTrue();
        try (FaultProxy proxy = FaultProxy.to("127.0.0.1", server.port())) {
            PgConnectionConfiguration.Builder viaProxy = server.config().port(proxy.port());
            PgSession bounded = new PgConnectionFactory(viaProxy.tcp(t -> t.userTimeout(Duration.ofSeconds(2)))
                    .build()).create().block(WAIT);
            PgSession unbounded = new PgConnectionFactory(server.config().port(proxy.port()).build()).create()
                    .block(WAIT);
            proxy.blackhole();
            // more than the proxy's receive buffer (up to net.ipv4.tcp_rmem's max) and this side's send buffer
            int size = 48 * 1024 * 1024;
            long started = System.nanoTime();
            CompletableFuture<Long> boundedWrite = bigWrite(bounded, size);
            CompletableFuture<Long> unboundedWrite = bigWrite(unbounded, size);

            Awaitility.await().atMost(Duration.ofSeconds(25)).until(boundedWrite::isDone);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(boundedWrite).isCompletedExceptionally();
            // the kernel's ETIMEDOUT, a connection failure (08006) the pool discards the connection on
            assertThatThrownBy(boundedWrite::join).cause().isInstanceOf(PgConnectionException.class)
                    .hasMessageContaining("Connection timed out")
                    .extracting(e -> ((PgConnectionException) e).getSqlState()).isEqualTo("08006");
            assertThat(channelOf(bounded).isActive()).as("the bounded connection is closed").isFalse();
            assertThat(unboundedWrite).as("the same write without TCP_USER_TIMEOUT, %s later", took).isNotDone();
            assertThat(channelOf(unbounded).isActive()).isTrue();
        }
    }

    private static CompletableFuture<Long> bigWrite(PgSession c, int size) {
        return Flux.from(c.createStatement("SELECT length($1)").bind(0, ByteBuffer.allocate(size)).execute())
                .flatMap(Result::getRowsUpdated).then(Mono.just(0L)).toFuture();
    }
}
