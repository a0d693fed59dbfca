package io.tidepool;

import io.tidepool.testing.Sql;
import io.tidepool.testing.ManualClock;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What happens to a connection while it sits idle: validation on its next acquire, measured on a manual clock. */
@Timeout(60)
class IdleConnectionTests extends PoolTest {

    private final ManualClock clock = new ManualClock();

    @Test
    void aConnectionIdlePastValidateAfterIdleIsCheckedAndADeadOneReplaced() {
        pool = PoolFixture.builder("idle-check").maxSize(1).validateAfterIdle(Duration.ofSeconds(1)).clock(clock)
                .buildPool();
        Integer first = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        assertThat(TestDatabase.get().terminate(pool.name())).isEqualTo(1);

        clock.advance(Duration.ofSeconds(2));
        Integer second = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));

        assertThat(second).as("a new backend").isNotEqualTo(first);
        assertThat(pool.stats().validationFailures()).isEqualTo(1);
        assertNoLeak(pool, 1);
    }

    @Test
    void aConnectionUsedWithinValidateAfterIdleIsHandedOutWithoutARoundTrip() {
        pool = PoolFixture.builder("idle-fresh").maxSize(1).validateAfterIdle(Duration.ofSeconds(1)).clock(clock)
                .buildPool();
        pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        assertThat(TestDatabase.get().terminate(pool.name())).isEqualTo(1);

        // the price of skipping the check: a connection killed within the window reaches its borrower, who fails
        clock.advance(Duration.ofMillis(500));
        assertThatThrownBy(() -> pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10)))
                .satisfies(e -> assertThat(pool.configuration().errorClassifier().classify(e).discardsConnection())
                        .as("classified as a broken connection: " + e).isTrue());
        assertThat(pool.stats().validationFailures()).isZero();
        assertThat(pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10))).isPositive();
        assertNoLeak(pool, 1);
    }
}
