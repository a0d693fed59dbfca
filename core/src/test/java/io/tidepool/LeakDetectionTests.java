package io.tidepool;

import io.tidepool.testing.Sql;
import io.r2dbc.spi.Connection;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class LeakDetectionTests extends PoolTest {

    private static final class Recorder implements PoolListener {
        final List<Throwable> suspected = new CopyOnWriteArrayList<>();
        final List<Duration> reclaimed = new CopyOnWriteArrayList<>();

        @Override
        public void leakSuspected(String name, Duration held, Throwable acquiredAt) {
            suspected.add(acquiredAt);
        }

        @Override
        public void connectionReclaimed(String name, Duration held) {
            reclaimed.add(held);
        }
    }

    private static String stackOf(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void aConnectionHeldPastTheThresholdIsReportedWithTheStackThatAcquiredIt() {
        pool = PoolFixture.builder("leak").maxSize(2).leakDetectionThreshold(Duration.ofMillis(300)).buildPool();
        Recorder recorder = new Recorder();
        pool.addListener(recorder);

        Connection leaked = pool.create().block(Duration.ofSeconds(10));
        pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().leaks() == 1);
        assertThat(recorder.suspected).hasSize(1);
        assertThat(stackOf(recorder.suspected.get(0)))
                .contains("acquired here")
                .contains("aConnectionHeldPastTheThresholdIsReportedWithTheStackThatAcquiredIt");

        Mono.from(leaked.close()).block(Duration.ofSeconds(10));
        assertThat(pool.stats().leaks()).as("the short borrowing was not reported").isEqualTo(1);
        PoolFixture.assertNoLeak(pool, 2);
    }

    @Test
    void aConnectionHeldPastTheHardLimitIsReclaimedAndItsHolderToldClearly() {
        pool = PoolFixture.builder("reclaim").maxSize(1).leakDetectionThreshold(Duration.ofMillis(200))
                .leakReclaimAfter(Duration.ofMillis(500)).buildPool();
        Recorder recorder = new Recorder();
        pool.addListener(recorder);

        Connection leaked = pool.create().block(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.reclaimed.size() == 1);
        assertThat(recorder.reclaimed.get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThatThrownBy(() -> leaked.createStatement("SELECT 1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("connection of pool '" + pool.name() + "' was reclaimed by the pool after "
                        + "being borrowed for ")
                .hasMessageEndingWith(" ms (leakReclaimAfter PT0.5S)");
        assertThat(pool.stats().discards()).isEqualTo(1);
        assertThat(pool.stats().leaks()).isEqualTo(1);
        PoolFixture.awaitBackends(pool, 0);

        // the pool serves again at once: the reclaimed slot was freed
        assertThat(pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10))).isPositive();
        Mono.from(leaked.close()).block(Duration.ofSeconds(5));
        PoolFixture.assertNoLeak(pool, 1);
    }

    @Test
    void detectionIsOffByDefaultAndTheHardLimitMustExceedTheThreshold() {
        PoolConfiguration config = PoolFixture.builder("leak-config").build();
        assertThat(config.leakDetectionThreshold()).isEmpty();
        assertThat(config.leakReclaimAfter()).isEmpty();

        assertThatThrownBy(() -> PoolFixture.builder("leak-config").leakDetectionThreshold(Duration.ofSeconds(30))
                .leakReclaimAfter(Duration.ofSeconds(10)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leakReclaimAfter must be longer than leakDetectionThreshold (PT30S), was PT10S");
        assertThatThrownBy(() -> PoolFixture.builder("leak-config").leakDetectionThreshold(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leakDetectionThreshold must be positive, was PT0S");
    }
}
