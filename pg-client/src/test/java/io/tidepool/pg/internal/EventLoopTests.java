package io.tidepool.pg.internal;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.r2dbc.spi.Result;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class EventLoopTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();

    @Test
    void nativeEpollIsUsedWhenAvailable() {
        PgSession c = server.factory().create().block(WAIT);
        try {
            assertThat(PgResources.epoll()).isEqualTo(Epoll.isAvailable());
            if (Epoll.isAvailable()) {
                assertThat(((PgConnectionImpl) c).engine().channel).isInstanceOf(EpollSocketChannel.class);
            }
        } finally {
            Mono.from(c.close()).block(WAIT);
        }
    }

    @Test
    void connectionsSpreadOverEveryEventLoop() {
        int loops = Runtime.getRuntime().availableProcessors();
        List<PgSession> connections = Flux.range(0, 2 * loops).concatMap(i -> server.factory().create())
                .collectList().block(WAIT);
        try {
            Set<Object> used = connections.stream().map(c -> ((PgConnectionImpl) c).engine().loop)
                    .collect(Collectors.toSet());
            assertThat(used).hasSize(loops);
        } finally {
            Flux.fromIterable(connections).flatMap(PgSession::close).blockLast(WAIT);
        }
    }

    @Test
    void aCallersEventLoopGroupCarriesTheConnections() {
        io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                Epoll.isAvailable() ? io.netty.channel.epoll.EpollIoHandler.newFactory()
                        : io.netty.channel.nio.NioIoHandler.newFactory());
        try {
            PgSession c = new io.tidepool.pg.PgConnectionFactory(server.config().build(), group).create()
                    .block(WAIT);
            PgEngine engine = ((PgConnectionImpl) c).engine();
            assertThat(group.next()).isSameAs(engine.loop);
            assertThat(Flux.from(c.createStatement("SELECT 1").execute()).flatMap(Result::getRowsUpdated)
                    .blockLast(WAIT)).isEqualTo(1L);
            Mono.from(c.close()).block(WAIT);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void blockHoundGuardsTheEventLoops() throws Exception {
        PgSession c = server.factory().create().block(WAIT);
        try {
            Future<?> blocked = ((PgConnectionImpl) c).engine().loop.submit(() -> {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(BlockingOperationError.class);
        } finally {
            Mono.from(c.close()).block(WAIT);
        }
    }

    @Test
    void aCommitSubscriberSeesTheConnectionReadyForAZeroRoundTripReturn() {
        PgSession c = server.factory().create().block(WAIT);
        try {
            AtomicBoolean idleAtCommit = new AtomicBoolean();
            AtomicBoolean idleAtStatement = new AtomicBoolean(true);
            Mono.from(c.beginTransaction())
                    .thenMany(Flux.from(c.createStatement("SELECT $1::int").bind(0, 1).execute())
                            .flatMap(Result::getRowsUpdated))
                    .doOnComplete(() -> idleAtStatement.set(c.isIdleOutsideTransaction()))
                    .then(Mono.from(c.commitTransaction()))
                    .doOnSuccess(v -> idleAtCommit.set(c.isIdleOutsideTransaction()))
                    .block(WAIT);
            assertThat(idleAtStatement).as("inside the transaction").isFalse();
            assertThat(idleAtCommit).as("when commit completes").isTrue();
            assertThat(Flux.from(c.createStatement("SELECT 1").execute()).flatMap(Result::getRowsUpdated)
                    .doOnComplete(() -> idleAtCommit.set(c.isIdleOutsideTransaction())).then()
                    .thenReturn(idleAtCommit.get()).block(WAIT)).isTrue();
        } finally {
            Mono.from(c.close()).block(WAIT);
        }
    }
}
