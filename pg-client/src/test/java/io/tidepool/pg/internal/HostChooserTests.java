package io.tidepool.pg.internal;

import io.tidepool.testing.FreePorts;
import io.tidepool.pg.PgConnectionConfiguration;
import io.tidepool.pg.PgHost;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTargetServerType;
import io.tidepool.pg.PgTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The host chooser's memory and the role check's two ways, on the test server (a primary): the reported parameters
 * (PostgreSQL 14+) and {@code SHOW transaction_read_only} when a server reports none.
 */
@Timeout(60)
class HostChooserTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();

    @Test
    void aHostFoundDownIsTriedLastUntilTheRecheckTimePasses() {
        PgHost down = new PgHost("127.0.0.1", FreePorts.loopback());
        PgHost up = new PgHost("127.0.0.1", server.port());
        PgConnectionConfiguration config = PgConnectionConfiguration.builder().hosts(List.of(down, up)).user("postgres")
                .targetServerType(PgTargetServerType.PRIMARY).hostRecheckTime(Duration.ofSeconds(10)).build();
        AtomicLong now = new AtomicLong();
        PgConnector connector = new PgConnector(config);
        HostChooser chooser = new HostChooser(config, connector::connect, now::get);
        assertThat(chooser.order()).containsExactly(down, up);
        PgSession session = chooser.connect().block(WAIT);
        try {
            assertThat(session.host()).isEqualTo(up);
        } finally {
            Mono.from(session.close()).block(WAIT);
        }
        assertThat(chooser.order()).containsExactly(up, down);
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertThat(chooser.order()).containsExactly(down, up);
    }

    @Test
    void loadBalanceHostsSpreadsConnectionsOverTheHostsThatAreUpAndStillTriesTheDownOneLast() {
        PgHost down = new PgHost("127.0.0.1", FreePorts.loopback());
        PgHost one = new PgHost("127.0.0.1", server.port());
        PgHost other = new PgHost("localhost", server.port());
        PgConnectionConfiguration config = PgConnectionConfiguration.builder().hosts(List.of(down, one, other))
                .user("postgres").loadBalanceHosts(true).build();
        PgConnector connector = new PgConnector(config);
        HostChooser chooser = new HostChooser(config, connector::connect, System::nanoTime);
        java.util.Set<PgHost> reached = new java.util.HashSet<>();
        // until both servers got a connection and the down host was tried (first in a third of the random orders)
        for (int i = 0; i < 200 && (reached.size() < 2 || !alwaysLast(chooser, down)); i++) {
            PgSession session = chooser.connect().block(WAIT);
            try {
                reached.add(session.host());
            } finally {
                Mono.from(session.close()).block(WAIT);
            }
        }
        assertThat(reached).containsExactlyInAnyOrder(one, other);
        // found down, it is last from then on, while the two up hosts take turns in first place
        java.util.Set<PgHost> firsts = new java.util.HashSet<>();
        for (int i = 0; i < 300; i++) {
            List<PgHost> order = chooser.order();
            assertThat(order.get(2)).isEqualTo(down);
            firsts.add(order.get(0));
        }
        assertThat(firsts).containsExactlyInAnyOrder(one, other);
    }

    private static boolean alwaysLast(HostChooser chooser, PgHost host) {
        for (int i = 0; i < 50; i++) {
            List<PgHost> order = chooser.order();
            if (!order.get(order.size() - 1).equals(host)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void theRoleFromReportedParametersAndFromShowAgree() {
        for (boolean readOnly : new boolean[] {false, true}) {
            PgConnectionConfiguration.Builder b = server.config();
            if (readOnly) {
                b.option("default_transaction_read_only", "on");
            }
            PgSession session = new PgConnector(b.build()).connect().block(WAIT);
            try {
                assertThat(session.serverParameters()).containsKeys(ServerRole.IN_HOT_STANDBY,
                        ServerRole.DEFAULT_READ_ONLY);
                assertThat(ServerRole.readOnly(session, WAIT).block(WAIT)).isEqualTo(readOnly);
                assertThat(ServerRole.readOnly(reportingNothing(session), WAIT).block(WAIT)).isEqualTo(readOnly);
            } finally {
                Mono.from(session.close()).block(WAIT);
            }
        }
    }

    /** The session as a server that reports neither parameter (before 14, or behind a pooler) would give it. */
    private static PgSession reportingNothing(PgSession session) {
        return (PgSession) Proxy.newProxyInstance(PgSession.class.getClassLoader(), new Class<?>[] {PgSession.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("serverParameters")) {
                        return Map.of();
                    }
                    try {
                        return method.invoke(session, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
