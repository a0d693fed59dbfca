package io.tidepool.pg.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Event loops of Netty 4.1's kind (still in 4.2, deprecated there); used only when Netty 4.2's are not on the class
 * path, as with Spring Boot 3's Netty 4.1.
 */
@SuppressWarnings("deprecation")
final class Netty41Loops {

    private Netty41Loops() {
    }

    static EventLoopGroup group(int threads, boolean epoll) {
        DefaultThreadFactory threadFactory = new DefaultThreadFactory("tidepool-pg", true);
        return epoll ? new EpollEventLoopGroup(threads, threadFactory) : new NioEventLoopGroup(threads, threadFactory);
    }

    static boolean isEpoll(EventLoopGroup group) {
        return group instanceof EpollEventLoopGroup;
    }
}
