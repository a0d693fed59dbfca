package io.tidepool.pg.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The event loops every connection of the client runs on, made on first use: one per core, native epoll when the
 * library is present, NIO otherwise. Daemon threads, so they never keep a JVM alive. Each new connection takes the
 * next loop in turn, so connections spread over all of them. Netty 4.2's I/O-handler groups when Netty 4.2 is on the
 * class path ({@link Netty42Loops}), Netty 4.1's transport groups otherwise ({@link Netty41Loops}), as applications
 * on Spring Boot 3 have it.
 */
final class PgResources {

    private PgResources() {
    }

    private static final class Holder {
        static final boolean EPOLL = epollAvailable();
        static final boolean NETTY_42 = netty42();
        static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
        static final EventLoopGroup GROUP = NETTY_42 ? Netty42Loops.group(THREADS, EPOLL)
                : Netty41Loops.group(THREADS, EPOLL);

        private static boolean epollAvailable() {
            try {
                return Epoll.isAvailable();
            } catch (Throwable e) {
                // the native library is optional: any failure to load it means NIO
                return false;
            }
        }

        private static boolean netty42() {
            try {
                Class.forName("io.netty.channel.MultiThreadIoEventLoopGroup", false, PgResources.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException e) {
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
        boolean epollGroup = Holder.EPOLL && (Holder.NETTY_42 ? Netty42Loops.isEpoll(group)
                : Netty41Loops.isEpoll(group));
        return epollGroup ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
