package io.tidepool.examples.registry;

import io.tidepool.PoolListener;
import io.tidepool.registry.PoolRegistry;
import io.tidepool.registry.RegistryState;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's life on a real PostgreSQL: pools started before use and stopped in reverse order, and the
 * application up with its optional pool's database down.
 */
@Timeout(120)
class RegistryExampleTests {

    @Test
    void startsBothPoolsUsesThemAndClosesAnalyticsBeforeMain() {
        String url = TestDatabase.get().r2dbcUrl("");
        PoolRegistry registry = RegistryExample.registry(url, url).build();
        List<String> closed = new CopyOnWriteArrayList<>();
        for (String name : registry.names()) {
            registry.pool(name).addListener(new PoolListener() {
                @Override
                public void connectionClosed(String pool) {
                    closed.add(pool);
                }
            });
        }

        String out = run(registry);

        assertThat(out)
                .contains("1. pools started, registry RUNNING: main=AVAILABLE, analytics=AVAILABLE")
                .contains("2. startup tasks done on main")
                .contains("3. main recorded deployment ")
                .contains("   analytics reports from PostgreSQL ")
                .contains("4. pools stopped, registry STOPPED: main=STOPPED, analytics=STOPPED")
                .doesNotContain(TestDatabase.get().password());
        assertThat(closed).as("connections closed, in order").contains("main", "analytics");
        assertThat(closed.lastIndexOf("analytics")).as("analytics closed before main")
                .isLessThan(closed.indexOf("main"));
        ServerChecks.awaitBackends("main", 0);
        ServerChecks.awaitBackends("analytics", 0);
    }

    @Test
    void startsDegradedWhenTheAnalyticsDatabaseIsDownAndStillServes() throws IOException {
        PoolRegistry registry = RegistryExample.registry(TestDatabase.get().r2dbcUrl(""),
                "r2dbc:postgresql://postgres@127.0.0.1:" + portNobodyListensOn() + "/postgres").build();

        long begun = System.nanoTime();
        String out = run(registry);

        assertThat(out)
                .contains("1. pools started, registry DEGRADED: main=AVAILABLE, analytics=RETRYING")
                .contains("3. main recorded deployment ")
                .contains("   analytics unavailable, reports skipped (the registry keeps starting it): ")
                .contains("4. pools stopped, registry STOPPED: main=STOPPED, analytics=STOPPED");
        assertThat(registry.state()).isEqualTo(RegistryState.STOPPED);
        assertThat(Duration.ofNanos(System.nanoTime() - begun)).as("held up by the optional pool for its startTimeout")
                .isLessThan(Duration.ofSeconds(30));
        ServerChecks.awaitBackends("main", 0);
    }

    private static String run(PoolRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(RegistryExample.run(registry, new PrintStream(out, true, StandardCharsets.UTF_8))).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A port that was free a moment ago: connecting to it is refused, as to a database server that is down. */
    private static int portNobodyListensOn() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
