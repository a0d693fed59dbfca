package io.tidepool.pg.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Event loops of Netty 4.2's I/O-handler kind; loaded only when Netty 4.2 is on the class path. */
final class Netty42Loops {

    private Netty42Loops() {
    }

    static EventLoopGroup group(int threads, boolean epoll) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("tidepool-pg", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    static boolean isEpoll(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup && ((IoEventLoopGroup) group).isIoType(EpollIoHandler.class);
    }
}
