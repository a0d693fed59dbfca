package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** A stack is captured per borrowing only when a leak report could show it: with leakDetectionThreshold. */
@Timeout(60)
class LeakWatchStackTests extends PoolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void reclaimWithoutLeakDetectionCapturesNoStackPerBorrowing() {
        pool = PoolFixture.builder("leak-reclaim-only").maxSize(1).leakReclaimAfter(Duration.ofMinutes(5))
                .buildPool();
        for (int i = 0; i < 3; i++) {
            Connection c = pool.create().block(WAIT);
            LeakWatch watch = watchOf(c);
            assertThat(watch).as("the reclaim still needs its timer").isNotNull();
            assertThat(watch.acquiredAt()).as("no stack captured, borrowing %d", i).isNull();
            Mono.from(c.close()).block(WAIT);
        }
        PoolFixture.assertNoLeak(pool, 1);
    }

    @Test
    void leakDetectionCapturesTheStackOfTheCallerThatAcquired() {
        pool = PoolFixture.builder("leak-detect").maxSize(1).leakDetectionThreshold(Duration.ofMinutes(5))
                .leakReclaimAfter(Duration.ofMinutes(10)).buildPool();
        Connection c = pool.create().block(WAIT);
        Throwable acquiredAt = watchOf(c).acquiredAt();
        assertThat(acquiredAt).isNotNull();
        assertThat(Arrays.stream(acquiredAt.getStackTrace()).map(StackTraceElement::getMethodName))
                .contains("leakDetectionCapturesTheStackOfTheCallerThatAcquired");
        Mono.from(c.close()).block(WAIT);
        PoolFixture.assertNoLeak(pool, 1);
    }

    @Test
    void noLeakOptionNoWatch() {
        pool = PoolFixture.builder("leak-none").maxSize(1).buildPool();
        Connection c = pool.create().block(WAIT);
        assertThat(watchOf(c)).isNull();
        Mono.from(c.close()).block(WAIT);
    }

    private static LeakWatch watchOf(Connection c) {
        return ((PooledConnection) c).lease().leakWatch();
    }
}
