package io.tidepool;

import io.netty.channel.epoll.Epoll;
import io.r2dbc.spi.Result;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.FaultProxy;
import io.tidepool.testing.TestDatabase;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The URL option {@code tcpUserTimeout} through the pool to Tidepool's own client's sockets: a statement whose bytes a
 * blackholed peer stops taking fails within the bound as a connection failure, the connection is discarded and the
 * pool serves again once the network is back. See SocketSettingsTests in pg-client for what loopback can and cannot
 * show.
 */
@Timeout(90)
class TcpUserTimeoutTests extends PoolTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aWriteIntoABlackholeFailsWithinTheUserTimeoutAndThePoolRecovers() {
        assumeThat(Epoll.isAvailable()).as("the epoll transport").isTrue();
        try (FaultProxy proxy = FaultProxy.toTestDatabase()) {
            String name = TestDatabase.uniqueApplicationName("tcp-user-timeout");
            pool = PoolConfiguration.builder().url(proxy.r2dbcUrl("client=native&tcpUserTimeout=PT2S"))
                    .name(name).maxSize(2).buildPool();
            assertThat(pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)).blockLast(WAIT)).isEqualTo(1);
            proxy.blackhole();
            // more than the proxy's receive buffer and the client's send buffer: the bytes wait unacknowledged
            CompletableFuture<Long> write = pool.withConnection(c -> Flux.from(c.createStatement("SELECT length($1)")
                            .bind(0, ByteBuffer.allocate(48 * 1024 * 1024)).execute())
                    .flatMap(Result::getRowsUpdated)).then(Mono.just(0L)).toFuture();

            Awaitility.await().atMost(Duration.ofSeconds(25)).until(write::isDone);
            assertThatThrownBy(write::join).hasMessageContaining("Connection timed out");
            assertThat(ErrorClassifier.defaults().classify(unwrap(write))).isEqualTo(ErrorCategory.TRANSIENT_CONNECTION);

            proxy.pass();
            assertThat(pool.withConnection(c -> queryOne(c, "SELECT 2", Integer.class)).blockLast(WAIT)).isEqualTo(2);
            assertThat(pool.stats().discards()).as("the timed-out connection was discarded").isPositive();
            PoolFixture.assertNoLeak(pool, 2);
        }
    }

    @Test
    void theNativeOnlySocketOptionsAreRefusedOnR2dbcPostgresql() {
        assertThatThrownBy(() -> PoolConfiguration.builder()
                .url("r2dbc:postgresql://u:secret-pw@h/db?client=r2dbc-postgresql&tcpUserTimeout=PT30S").build())
                .hasMessage("tcpUserTimeout needs client=native (r2dbc-postgresql sets only tcpKeepAlive, at the"
                        + " host's timing), was set with client=r2dbc-postgresql");
        assertThatThrownBy(() -> PoolConfiguration.builder()
                .url("r2dbc:postgresql://u:secret-pw@h/db?client=native&tcpUserTimeout=soon").buildPool())
                .hasMessageContaining("tcpUserTimeout").hasMessageContaining("'soon'")
                .hasMessageNotContaining("secret-pw");
    }

    private static Throwable unwrap(CompletableFuture<?> failed) {
        try {
            failed.join();
            throw new AssertionError("did not fail");
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }
}
