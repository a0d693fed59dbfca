package io.tidepool;

import io.tidepool.testing.Sql;
import io.r2dbc.spi.Connection;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Evict-all on demand (failover, credential rotation): nothing opened before it is reused after it. */
@Timeout(60)
class EvictAllTests extends PoolTest {

    @Test
    void idleConnectionsAreReplacedAtOnceAndBorrowedOnesClosedWhenTheyComeBack() {
        pool = PoolFixture.builder("evict").maxSize(4).minIdle(2).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        Set<Integer> before = PoolFixture.lastQueries(pool).keySet();
        assertThat(before).hasSize(2);
        Connection borrowed = pool.create().block(Duration.ofSeconds(10));
        Integer borrowedPid = Sql.backendPid(borrowed).block(Duration.ofSeconds(10));

        pool.evictAll().block(Duration.ofSeconds(20));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(PoolFixture.lastQueries(pool).keySet())
                .as("only the borrowed connection survives the eviction").containsOnlyOnce(borrowedPid)
                .doesNotContainAnyElementsOf(before.stream().filter(pid -> !pid.equals(borrowedPid)).toList()));

        Mono.from(borrowed.close()).block(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(PoolFixture.lastQueries(pool).keySet()).doesNotContainAnyElementsOf(before));
        Integer after = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        assertThat(before).doesNotContain(after);
        PoolFixture.assertNoLeak(pool, 4);
    }

    @Test
    void evictAllReplacesEveryIdleConnectionWithAFreshOne() {
        pool = PoolFixture.builder("evict-n").maxSize(5).initialSize(5).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        Set<Integer> before = PoolFixture.lastQueries(pool).keySet();
        assertThat(before).hasSize(5);

        pool.evictAll().block(Duration.ofSeconds(20));

        // before: borrowed and given back one at a time, the five were replaced by a single fresh one
        assertThat(pool.stats().idle()).isEqualTo(5);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(PoolFixture.lastQueries(pool).keySet())
                .hasSize(5).doesNotContainAnyElementsOf(before));
        PoolFixture.assertNoLeak(pool, 5);
    }
}
