package io.tidepool.multiplex;

import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.util.RaceTestUtils;

import java.time.Duration;
import java.util.SplittableRandom;

import static io.tidepool.testing.Sql.queryOne;
import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Races on the lane, in loops on the real server: a borrower cancelled as its statement is answered, as it pins, and
 * as its pinned connection is returned. Whatever wins, the lane ends with nothing in flight, no borrower pinned, and
 * the server with its two shared backends plus the pool's own, none idle in transaction.
 */
@Timeout(120)
class LaneRaceTests extends PoolTest {

    private static final int ROUNDS = 3000;

    @Test
    void cancellingBorrowersAsTheyAreAnsweredPinOrReturnLeavesTheLaneClean(TestInfo test) {
        long seed = Seeds.of(test.getDisplayName());
        SplittableRandom random = new SplittableRandom(seed);
        pool = MultiplexTests.multiplexed("lane-race", 2).multiplexMaxConnections(2).maxSize(4).buildPool();
        pool.start().block(Duration.ofSeconds(20));

        for (int i = 0; i < ROUNDS; i++) {
            int kind = random.nextInt(3);
            Mono<?> work = switch (kind) {
                case 0 -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)).next();
                case 1 -> pool.withConnection(c -> Mono.from(c.beginTransaction())
                        .then(queryOne(c, "SELECT 2", Integer.class))).next();
                default -> pool.withConnection(c -> run(c, "SET application_name = 'raced'")
                        .then(queryOne(c, "SELECT 3", Integer.class))).next();
            };
            Disposable running = work.subscribe(null, e -> { });
            Disposable other = pool.withConnection(c -> queryOne(c, "SELECT 4", Integer.class)).subscribe(null, e -> { });
            RaceTestUtils.race(running::dispose, random.nextBoolean() ? other::dispose : () -> { });
        }

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(pool.stats().lane().totalInFlight()).as("seed %d: in flight on the lane", seed).isZero();
            assertThat(pool.stats().lane().pinned()).as("seed %d: pinned", seed).isZero();
            assertThat(pool.stats().acquired()).as("seed %d: borrowed", seed).isZero();
        });
        assertThat(pool.stats().lane().connections()).isEqualTo(2);
        PoolFixture.assertNoLeak(pool, 2 + 4);
        // the SET some of them ran was undone on their pinned connections, never seen on the lane
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT current_setting('application_name')", String.class))
                .blockLast(Duration.ofSeconds(10))).isEqualTo(pool.name());
    }
}
