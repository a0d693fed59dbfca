package io.tidepool.pg.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.tidepool.pg.PgConnectionFactory;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Netty 4.1's kind of event loops (what the client makes when Netty 4.2's are missing, as on Spring Boot 3) carry the
 * client's connections; spring-boot3-tests runs the client on a real Netty 4.1.
 */
@Timeout(30)
class Netty41LoopsTests {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void aConnectionRunsOnNetty41sLoopsOnTheMatchingTransport() {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = Netty41Loops.group(1, epoll);
        try {
            assertThat(PgResources.channelClassFor(group))
                    .isEqualTo(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
            PgSession c = new PgConnectionFactory(PgTestServer.get().config().build(), group).create().block(WAIT);
            try {
                assertThat(Mono.from(c.validate(io.r2dbc.spi.ValidationDepth.REMOTE)).block(WAIT)).isTrue();
            } finally {
                Mono.from(c.close()).block(WAIT);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
