package io.tidepool;

import io.tidepool.test.PoolFixture;
import io.tidepool.test.VirtualTimePoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Idle eviction and lifetime retirement, on virtual time and a manual clock, against the real server. */
@Timeout(90)
class UpkeepTests extends VirtualTimePoolTest {

    @Test
    void idleEvictionClosesConnectionsBeyondMinIdleAndKeepsMinIdleWarm() {
        // r2dbc-pool #224: its background eviction closes every idle connection, minIdle or not
        pool = PoolFixture.builder("upkeep-idle").maxSize(5).initialSize(5).minIdle(2)
                .maxIdleTime(Duration.ofSeconds(60)).evictionInterval(Duration.ofSeconds(10)).keepaliveDisabled()
                .clock(clock).scheduler(scheduler).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        assertThat(pool.stats().allocated()).isEqualTo(5);

        elapse(Duration.ofSeconds(50));
        assertThat(pool.stats().allocated()).as("idle 50 s of 60: all kept").isEqualTo(5);

        for (int i = 0; i < 3; i++) {
            elapse(Duration.ofSeconds(10));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().allocated() == 2);
        PoolFixture.awaitBackends(pool, 2);

        for (int i = 0; i < 12; i++) {
            elapse(Duration.ofSeconds(10));
        }
        assertThat(pool.stats().allocated()).as("minIdle stays, however long idle").isEqualTo(2);
        assertThat(pool.stats().acquires()).isZero();
    }

    @Test
    void connectionsOpenedTogetherRetireSpreadOverTheLastTenthOfTheirLifetime() {
        // r2dbc-pool #196: connections opened together all expired together, and the pool reconnected all at once
        pool = PoolFixture.builder("upkeep-life").maxSize(10).initialSize(10).minIdle(10)
                .maxLifetime(Duration.ofSeconds(100)).evictionInterval(Duration.ofSeconds(1)).idleEvictionDisabled()
                .keepaliveDisabled().clock(clock).scheduler(scheduler).buildPool();
        pool.start().block(Duration.ofSeconds(30));
        long destroysAtStart = pool.stats().destroys();

        elapse(Duration.ofSeconds(89));
        assertThat(pool.stats().destroys() - destroysAtStart).as("none retired before 90 % of maxLifetime").isZero();

        List<Long> retiredBySecond = new ArrayList<>();
        long before = pool.stats().destroys();
        for (int second = 90; second <= 101; second++) {
            elapse(Duration.ofSeconds(1));
            long now = pool.stats().destroys();
            retiredBySecond.add(now - before);
            before = now;
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> pool.stats().destroys() - destroysAtStart >= 10 && pool.stats().allocated() == 10);
        assertThat(retiredBySecond.stream().filter(n -> n > 0).count())
                .as("retirements spread over several seconds, not one wave: " + retiredBySecond)
                .isGreaterThanOrEqualTo(3);
        assertThat(retiredBySecond).as("no second retires most of the pool").allMatch(n -> n <= 6);
        assertNoLeak(pool, 10);
    }
}
