package io.tidepool.pg.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The event loops every connection of the client runs on, made on first use: one per core, native epoll when the
 * library is present, NIO otherwise. Daemon threads, so they never keep a JVM alive. Each new connection takes the
 * next loop in turn, so connections spread over all of them.
 */
final class PgResources {

    private PgResources() {
    }

    private static final class Holder {
        static final boolean EPOLL = epollAvailable();
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
                Math.max(1, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("tidepool-pg", true), ioHandler());

        private static IoHandlerFactory ioHandler() {
            return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        }

        private static boolean epollAvailable() {
            try {
                return Epoll.isAvailable();
            } catch (Throwable e) {
                // the native library is optional: any failure to load it means NIO
                return false;
            }
        }
    }

    static EventLoopGroup group() {
        return Holder.GROUP;
    }

    static Class<? extends SocketChannel> channelClass() {
        return Holder.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static boolean epoll() {
        return Holder.EPOLL;
    }

    /** The socket channel class for a group given by the caller: epoll when its loops run epoll, else NIO. */
    static Class<? extends SocketChannel> channelClassFor(EventLoopGroup group) {
        if (group instanceof io.netty.channel.IoEventLoopGroup && Holder.EPOLL
                && ((io.netty.channel.IoEventLoopGroup) group).isIoType(EpollIoHandler.class)) {
            return EpollSocketChannel.class;
        }
        return NioSocketChannel.class;
    }
}
