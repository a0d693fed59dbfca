package io.tidepool.pg.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.tidepool.pg.TcpSettings;
import jdk.net.ExtendedSocketOptions;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link TcpSettings} as the channel options of one transport, worked out once per connector: on epoll every
 * setting; on NIO the keepalive timing where the JDK supports it, never {@code TCP_USER_TIMEOUT}. A setting the
 * transport cannot take is left out and named in one WARN when the connector is made.
 */
final class SocketSettings {

    private static final Logger log = LoggerFactory.getLogger(SocketSettings.class);

    private final Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();
    private final List<String> leftOut = new ArrayList<>();

    SocketSettings(TcpSettings tcp, Class<? extends SocketChannel> channelClass, String hostPort) {
        options.put(ChannelOption.SO_KEEPALIVE, tcp.keepAlive());
        if (channelClass == EpollSocketChannel.class) {
            put(EpollChannelOption.TCP_KEEPIDLE, seconds(tcp.keepAliveIdle()));
            put(EpollChannelOption.TCP_KEEPINTVL, seconds(tcp.keepAliveInterval()));
            put(EpollChannelOption.TCP_KEEPCNT, tcp.keepAliveCount() == 0 ? null : tcp.keepAliveCount());
            put(EpollChannelOption.TCP_USER_TIMEOUT, tcp.userTimeout() == null ? null
                    : (int) tcp.userTimeout().toMillis());
        } else {
            nio("tcpKeepAliveIdle", ExtendedSocketOptions.TCP_KEEPIDLE, seconds(tcp.keepAliveIdle()));
            nio("tcpKeepAliveInterval", ExtendedSocketOptions.TCP_KEEPINTERVAL, seconds(tcp.keepAliveInterval()));
            nio("tcpKeepAliveCount", ExtendedSocketOptions.TCP_KEEPCOUNT,
                    tcp.keepAliveCount() == 0 ? null : tcp.keepAliveCount());
            if (tcp.userTimeout() != null) {
                leftOut.add("tcpUserTimeout");
            }
        }
        if (!leftOut.isEmpty()) {
            log.warn("connections to {} open without {}: the transport cannot set it (TCP_USER_TIMEOUT needs the epoll"
                    + " transport: netty-transport-native-epoll, on Linux)", hostPort, String.join(", ", leftOut));
        }
    }

    /** The settings the transport cannot take, by their option names; empty when every one is applied. */
    List<String> leftOut() {
        return leftOut;
    }

    /** Puts the options on a connection's bootstrap. */
    @SuppressWarnings("unchecked")
    Bootstrap applyTo(Bootstrap bootstrap) {
        options.forEach((option, value) -> bootstrap.option((ChannelOption<Object>) option, value));
        return bootstrap;
    }

    private void put(ChannelOption<Integer> option, @Nullable Integer value) {
        if (value != null) {
            options.put(option, value);
        }
    }

    private void nio(String name, SocketOption<Integer> option, @Nullable Integer value) {
        if (value == null) {
            return;
        }
        if (supportedByNio(option)) {
            options.put(NioChannelOption.of(option), value);
        } else {
            leftOut.add(name);
        }
    }

    private static boolean supportedByNio(SocketOption<Integer> option) {
        try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open()) {
            return probe.supportedOptions().contains(option);
        } catch (IOException e) {
            return false;
        }
    }

    private static @Nullable Integer seconds(@Nullable Duration d) {
        return d == null ? null : (int) d.getSeconds();
    }
}
