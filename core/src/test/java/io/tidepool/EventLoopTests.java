package io.tidepool;

import io.r2dbc.spi.ConnectionFactories;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pool's connections run on every event loop, one per core, however they were opened: by start()'s warm-up (one
 * after another, each from the event loop the previous one answered on), or lazily through the URL driver. Before,
 * both put every connection on one loop: one core of driver work at most; and r2dbc-postgresql's loops were at least
 * four, more than a 2-core machine has, so they stole each other's connections.
 */
@Timeout(60)
class EventLoopTests extends PoolTest {

    private static final int CONNECTIONS = 4;

    /** One loop per core, and the connections on all of them: more loops than cores only steal each other's work. */
    private static final int LOOPS = Math.min(CONNECTIONS, Runtime.getRuntime().availableProcessors());

    @Test
    void connectionsOpenedByStartSpreadOverTheEventLoops() {
        pool = PoolFixture.builder("loops").maxSize(CONNECTIONS).initialSize(CONNECTIONS).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        assertThat(loopsAnswering()).as("event loops the " + CONNECTIONS + " connections answer on")
                .hasSize(LOOPS);
    }

    @Test
    void connectionsOpenedOnDemandThroughTheUrlSpreadOverTheEventLoops() {
        pool = (TidepoolPool) ConnectionFactories.get(TestDatabase.get().r2dbcUrl("maxSize=" + CONNECTIONS + "&name="
                + TestDatabase.uniqueApplicationName("loops-url")).replace("r2dbc:postgresql:", "r2dbc:tidepool:postgresql:"));
        assertThat(loopsAnswering()).as("event loops the " + CONNECTIONS + " connections answer on")
                .hasSize(LOOPS);
    }

    /** Holds every connection at once and notes the thread each one's answer arrives on: its event loop. */
    private Set<String> loopsAnswering() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Flux.range(0, CONNECTIONS)
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT pg_sleep(0.2)::text", String.class)
                        .doOnNext(v -> threads.add(Thread.currentThread().getName()))), CONNECTIONS)
                .blockLast(Duration.ofSeconds(20));
        assertThat(pool.stats().allocated()).isEqualTo(CONNECTIONS);
        return threads;
    }
}
