package io.tidepool;

import io.r2dbc.spi.ConnectionFactories;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.Sql;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Idle eviction, lifetime retirement and minIdle on time, on the real server: what upkeep promises is checked by
 * counting the server's backends, for a started pool and for one used straight from its URL.
 */
@Timeout(90)
class MinIdleTests extends PoolTest {

    private static final Logger log = LoggerFactory.getLogger(MinIdleTests.class);

    @Test
    void theUpkeepPeriodFollowsTheShortestDeadlineItEnforces() {
        PoolConfiguration config = PoolFixture.builder("derived").maxIdleTime(Duration.ofSeconds(2)).build();
        assertThat(config.evictionInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(PoolFixture.builder("derived").build().evictionInterval())
                .as("defaults: a tenth of the 2 min keepalive").isEqualTo(Duration.ofSeconds(12));
        assertThat(PoolFixture.builder("derived").idleEvictionDisabled().maxLifetimeDisabled().keepaliveDisabled()
                .build().evictionInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(PoolFixture.builder("derived").maxLifetime(Duration.ofMillis(500)).build().evictionInterval())
                .as("never below 100 ms").isEqualTo(Duration.ofMillis(100));
        assertThat(PoolFixture.builder("derived").maxIdleTime(Duration.ofSeconds(2))
                .evictionInterval(Duration.ofSeconds(5)).build().evictionInterval()).as("set, kept")
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void idleConnectionsBeyondMinIdleCloseWithinATenthOfMaxIdleTime() {
        pool = PoolFixture.builder("idle-2s").maxSize(5).initialSize(5).minIdle(1)
                .maxIdleTime(Duration.ofSeconds(2)).keepaliveDisabled().buildPool();
        pool.start().block(Duration.ofSeconds(20));
        PoolFixture.awaitBackends(pool, 5);
        long started = System.nanoTime();

        // before upkeep followed maxIdleTime, the 30 s beat left all five open for 30 s
        await().atMost(Duration.ofSeconds(6)).untilAsserted(() ->
                assertThat(TestDatabase.get().backends(pool.name()).total()).isEqualTo(1));
        log.info("idle-2s: 5 -> 1 backends {} ms after the pool went idle", (System.nanoTime() - started) / 1_000_000);
        assertThat(pool.stats().idle()).isEqualTo(1);
    }

    @Test
    void aPoolUsedFromItsUrlWithoutStartOpensMinIdle() {
        String name = TestDatabase.uniqueApplicationName("url-minidle");
        pool = poolFromUrl("minIdle=6&initialSize=2&maxSize=8&name=" + name);
        assertThat(pool.state()).isEqualTo(PoolState.NEW);

        pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));

        // before: one backend after the first use, and still one 10 s later
        ServerChecks.awaitBackends(name, 6);
        assertThat(pool.state()).isEqualTo(PoolState.RUNNING);
        PoolFixture.assertNoLeak(pool, 6);
    }

    @Test
    void minIdleHoldsThroughLifetimeRetirement() {
        String name = TestDatabase.uniqueApplicationName("retire");
        pool = poolFromUrl("minIdle=4&maxSize=6&maxLifeTime=PT4S&keepaliveTime=disabled&name=" + name);
        Duration period = pool.configuration().evictionInterval();
        assertThat(period).isEqualTo(Duration.ofMillis(400));
        pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        ServerChecks.awaitBackends(name, 4);

        // light load beside the sampling, through two whole generations of retirement (4 s less up to 10 % each)
        Flux.interval(Duration.ofMillis(100)).take(100)
                .concatMap(i -> pool.withConnection(Sql::backendPid))
                .subscribe();
        Duration sample = Duration.ofMillis(200);
        List<Integer> backends = Flux.interval(sample, Schedulers.boundedElastic()).take(50)
                .map(i -> TestDatabase.get().backends(name).total())
                .collectList().block(Duration.ofSeconds(30));
        log.info("retire: backends sampled every {} ms: {}", sample.toMillis(), backends);

        int longestBelow = 0;
        int run = 0;
        for (int count : backends) {
            run = count < 4 ? run + 1 : 0;
            longestBelow = Math.max(longestBelow, run);
        }
        // below minIdle for at most one upkeep period (two samples), however the retirements fall
        assertThat(longestBelow * sample.toMillis()).as("longest stretch below minIdle, ms, in " + backends)
                .isLessThanOrEqualTo(period.toMillis());
        Set<Integer> pidsNow = PoolFixture.lastQueries(pool).keySet();
        assertThat(pidsNow).hasSizeGreaterThanOrEqualTo(4);
    }

    /** A pool as a URL user gets it: from ConnectionFactories, never started. */
    private static TidepoolPool poolFromUrl(String query) {
        return (TidepoolPool) ConnectionFactories.get(TestDatabase.get().r2dbcUrl(query)
                .replace("r2dbc:postgresql:", "r2dbc:tidepool:postgresql:"));
    }
}
