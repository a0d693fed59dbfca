package io.tidepool;

import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fault the shared test server cannot play: the server itself stopped and started again on the same port, under
 * load. This test runs its own embedded PostgreSQL for it.
 */
@Timeout(180)
class ServerRestartTests {

    private static final Logger log = LoggerFactory.getLogger(ServerRestartTests.class);

    private static EmbeddedPostgres startServer(int port, Path data) throws IOException {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(60)).start();
    }

    private static int backends(EmbeddedPostgres server, String applicationName) throws SQLException {
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                     + applicationName + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void aServerRestartedOnTheSamePortUnderLoadIsReconnectedWithNoRestartOfThePool() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path data = Files.createTempDirectory("tidepool-restart");
        EmbeddedPostgres server = startServer(port, data);
        TidepoolPool pool = PoolConfiguration.builder().name("restart")
                .url("r2dbc:postgresql://postgres@127.0.0.1:" + port + "/postgres")
                .maxSize(4).acquireTimeout(Duration.ofSeconds(1)).createTimeout(Duration.ofSeconds(1))
                .validateAfterIdle(Duration.ofMillis(100)).validationTimeout(Duration.ofMillis(300)).buildPool();
        LongAdder ok = new LongAdder();
        AtomicLong lastOk = new AtomicLong();
        Map<ErrorCategory, LongAdder> failed = new ConcurrentHashMap<>();
        Disposable load = Flux.interval(Duration.ofMillis(10)).onBackpressureDrop()
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class))
                        .timeout(Duration.ofSeconds(1))
                        .doOnNext(v -> {
                            ok.increment();
                            lastOk.set(System.nanoTime());
                        })
                        .onErrorResume(e -> {
                            failed.computeIfAbsent(ErrorClassifier.defaults().classify(e), k -> new LongAdder())
                                    .increment();
                            return Mono.empty();
                        }), 8)
                .subscribe();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> ok.sum() > 50);

            server.close();
            long failedBefore = failed.values().stream().mapToLong(LongAdder::sum).sum();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    failed.values().stream().mapToLong(LongAdder::sum).sum() > failedBefore + 5);
            server = startServer(port, data);
            long restarted = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).until(() -> lastOk.get() > restarted);
            Duration recovery = Duration.ofNanos(lastOk.get() - restarted);

            log.info("fault matrix | server restarted on the same port | failed: {} | recovery after start: {} ms",
                    failed, recovery.toMillis());
            assertThat(recovery).as("time to recovery once the server is back").isLessThan(Duration.ofSeconds(10));
            assertThat(failed.keySet()).doesNotContain(ErrorCategory.UNKNOWN);
            load.dispose();
            EmbeddedPostgres restartedServer = server;
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(pool.stats().acquired()).isZero();
                assertThat(backends(restartedServer, "restart")).isLessThanOrEqualTo(4);
            });
            assertThat(pool.withConnection(c -> queryOne(c, "SELECT 42", Integer.class))
                    .blockLast(Duration.ofSeconds(10))).isEqualTo(42);
        } finally {
            load.dispose();
            pool.close().block(Duration.ofSeconds(30));
            server.close();
        }
    }
}
