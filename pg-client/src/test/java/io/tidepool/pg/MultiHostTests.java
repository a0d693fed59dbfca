package io.tidepool.pg;

import io.tidepool.testing.FreePorts;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.tidepool.testing.TestReplication;
import io.tidepool.testing.TestReplication.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The native client on several hosts, against a real primary and a real hot standby: each new connection goes to a
 * host of the role asked (checked on the server, whatever the order of the list), down hosts are passed over within
 * the connect timeout, and when no host will do, the error says what each one answered.
 */
@Timeout(120)
class MultiHostTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PASSWORD = "pw-MultiHost-31c";

    private static TestReplication servers;

    @BeforeAll
    static void start() {
        servers = TestReplication.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    private static PgHost host(Server server) {
        return new PgHost("127.0.0.1", server.port());
    }

    private static PgConnectionConfiguration.Builder config(PgTargetServerType target, PgHost... hosts) {
        return PgConnectionConfiguration.builder().hosts(List.of(hosts)).user("postgres").database("postgres")
                .password(PASSWORD).applicationName("multi-host-test").targetServerType(target)
                .connectTimeout(Duration.ofSeconds(5));
    }

    /** The server port of a new connection, and the host the session says it went to (they must agree). */
    private static int portOfNewConnection(PgConnectionConfiguration config) {
        return Mono.usingWhen(new PgConnectionFactory(config).create(),
                c -> Flux.from(c.createStatement("SELECT inet_server_port()").execute())
                        .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).single()
                        .doOnNext(port -> assertThat(c.host().port()).isEqualTo(port)),
                Connection::close).block(WAIT);
    }

    @Test
    void primaryIsFoundWhereverItIsListed() {
        assertThat(portOfNewConnection(config(PgTargetServerType.PRIMARY, host(servers.standby()),
                host(servers.primary())).build())).isEqualTo(servers.primary().port());
        assertThat(portOfNewConnection(config(PgTargetServerType.PRIMARY, host(servers.primary()),
                host(servers.standby())).build())).isEqualTo(servers.primary().port());
    }

    @Test
    void standbyAndPreferStandby() {
        assertThat(portOfNewConnection(config(PgTargetServerType.STANDBY, host(servers.primary()),
                host(servers.standby())).build())).isEqualTo(servers.standby().port());
        assertThat(portOfNewConnection(config(PgTargetServerType.PREFER_STANDBY, host(servers.primary()),
                host(servers.standby())).applicationName("prefer-standby-reserve").build()))
                .isEqualTo(servers.standby().port());
        // the primary's connection kept in reserve was closed once the standby answered
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.query(servers.primary(),
                "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'prefer-standby-reserve'")
                .get(0).get("n").toString().equals("0"));
        // no standby answers: preferStandby takes the primary
        assertThat(portOfNewConnection(config(PgTargetServerType.PREFER_STANDBY, host(servers.primary()),
                new PgHost("127.0.0.1", FreePorts.loopback())).build())).isEqualTo(servers.primary().port());
    }

    @Test
    void aDownHostIsPassedOver() {
        assertThat(portOfNewConnection(config(PgTargetServerType.ANY, new PgHost("127.0.0.1", FreePorts.loopback()),
                host(servers.standby())).build())).isEqualTo(servers.standby().port());
        assertThat(portOfNewConnection(config(PgTargetServerType.PRIMARY, new PgHost("127.0.0.1", FreePorts.loopback()),
                host(servers.standby()), host(servers.primary())).build())).isEqualTo(servers.primary().port());
    }

    /** A primary whose sessions are read-only (here by a startup option) is no primary: the role is checked. */
    @Test
    void noHostWillDoAndTheErrorSaysWhatEachAnswered() {
        int closed = FreePorts.loopback();
        PgConnectionConfiguration config = config(PgTargetServerType.PRIMARY, new PgHost("127.0.0.1", closed),
                host(servers.standby()), host(servers.primary()))
                .option("default_transaction_read_only", "on").build();
        long began = System.nanoTime();
        R2dbcException error = (R2dbcException) new PgConnectionFactory(config).create()
                .map(c -> (Throwable) null).onErrorResume(Mono::just).block(WAIT);
        assertThat((System.nanoTime() - began) / 1_000_000).as("ms to fail").isLessThan(10_000);
        assertThat(error).isInstanceOf(R2dbcNonTransientResourceException.class);
        assertThat(error.getSqlState()).isEqualTo("08001");
        assertThat(error.getMessage())
                .startsWith("no host of [127.0.0.1:" + closed + ", 127.0.0.1:" + servers.standby().port()
                        + ", 127.0.0.1:" + servers.primary().port() + "] is the primary (targetServerType=primary): ")
                .contains("127.0.0.1:" + closed + " failed: could not connect to 127.0.0.1:" + closed)
                .contains("127.0.0.1:" + servers.standby().port() + " is read-only (a standby)")
                .contains("127.0.0.1:" + servers.primary().port() + " is read-only (a standby)")
                .doesNotContain(PASSWORD);
        assertThat(config.toString()).doesNotContain(PASSWORD);
    }

    /** A cancel request goes to the host the connection was opened on, not to the first of the list. */
    @Test
    void aCancelRequestGoesToTheConnectionsOwnHost() {
        PgConnectionConfiguration config = config(PgTargetServerType.STANDBY, host(servers.primary()),
                host(servers.standby())).build();
        Throwable error = Mono.usingWhen(new PgConnectionFactory(config).create(),
                c -> Flux.from(c.createStatement("SELECT pg_sleep(20)").execute()).flatMap(r -> r.getRowsUpdated())
                        .then()
                        .doOnSubscribe(s -> Mono.delay(Duration.ofMillis(300)).flatMap(t -> c.cancelRequest())
                                .subscribe())
                        .map(v -> (Throwable) null).onErrorResume(Mono::just),
                Connection::close).block(WAIT);
        assertThat(error).isInstanceOf(R2dbcTimeoutException.class);
        assertThat(((R2dbcException) error).getSqlState()).isEqualTo("57014");
    }
}
