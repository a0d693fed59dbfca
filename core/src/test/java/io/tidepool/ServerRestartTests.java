package io.tidepool;

import io.tidepool.test.LoadTally;

import io.tidepool.error.ErrorCategory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

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

    /** The pool as users make it, and the multiplexed lane over the native client (whose shared connections die too). */
    @ParameterizedTest(name = "multiplexed={0}")
    @ValueSource(booleans = {false, true})
    void aServerRestartedOnTheSamePortUnderLoadIsReconnectedWithNoRestartOfThePool(boolean multiplexed)
            throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path data = Files.createTempDirectory("tidepool-restart");
        EmbeddedPostgres server = startServer(port, data);
        PoolConfiguration.Builder builder = PoolConfiguration.builder().name("restart")
                .url("r2dbc:postgresql://postgres@127.0.0.1:" + port + "/postgres")
                .maxSize(4).acquireTimeout(Duration.ofSeconds(1)).createTimeout(Duration.ofSeconds(1))
                .validateAfterIdle(Duration.ofMillis(100)).validationTimeout(Duration.ofMillis(300));
        if (multiplexed) {
            builder.client(ProtocolClient.NATIVE).multiplex(true).multiplexConnections(2).multiplexMaxConnections(2);
        }
        TidepoolPool pool = builder.buildPool();
        LoadTally tally = new LoadTally();
        Disposable load = Flux.interval(Duration.ofMillis(10)).onBackpressureDrop()
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class))
                        .timeout(Duration.ofSeconds(1))
                        .transform(tally::counted), 8)
                .subscribe();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> tally.ok() > 50);

            server.close();
            long failedBefore = tally.failures();
            await().atMost(Duration.ofSeconds(10)).until(() -> tally.failures() > failedBefore + 5);
            server = startServer(port, data);
            long restarted = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).until(() -> tally.lastOkNanos() > restarted);
            Duration recovery = Duration.ofNanos(tally.lastOkNanos() - restarted);

            log.info("fault matrix | server restarted on the same port{} | failed: {} | recovery after start: {} ms",
                    multiplexed ? " (multiplexed lane)" : "", tally.failed(), recovery.toMillis());
            assertThat(recovery).as("time to recovery once the server is back").isLessThan(Duration.ofSeconds(10));
            assertThat(tally.failed().keySet()).doesNotContain(ErrorCategory.UNKNOWN);
            load.dispose();
            EmbeddedPostgres restartedServer = server;
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(pool.stats().acquired()).isZero();
                assertThat(pool.stats().lane().totalInFlight()).isZero();
                assertThat(backends(restartedServer, "restart"))
                        .isLessThanOrEqualTo(pool.configuration().maxServerConnections());
            });
            if (multiplexed) {
                assertThat(pool.stats().lane().connections()).as("the lane reopened its connections").isEqualTo(2);
            }
            assertThat(pool.withConnection(c -> queryOne(c, "SELECT 42", Integer.class))
                    .blockLast(Duration.ofSeconds(10))).isEqualTo(42);
        } finally {
            load.dispose();
            pool.close().block(Duration.ofSeconds(30));
            server.close();
        }
    }
}
