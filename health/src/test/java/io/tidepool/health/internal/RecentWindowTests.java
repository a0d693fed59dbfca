package io.tidepool.health.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class RecentWindowTests {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void p99IsTheNearestRankOfTheWaitsWithinTheWindow() {
        ManualClock clock = new ManualClock();
        RecentWindow window = new RecentWindow(Duration.ofMinutes(1), 1000, clock);
        for (int i = 1; i <= 100; i++) {
            window.recordWait(Duration.ofMillis(i));
        }

        RecentWindow.Snapshot snapshot = window.snapshot();

        assertThat(snapshot.acquires()).isEqualTo(100);
        assertThat(snapshot.p99Wait()).isEqualTo(Duration.ofMillis(99));
        assertThat(snapshot.timeouts()).isZero();
    }

    @Test
    void eventsOlderThanTheWindowAreForgotten() {
        ManualClock clock = new ManualClock();
        RecentWindow window = new RecentWindow(Duration.ofMinutes(1), 1000, clock);
        window.recordWait(Duration.ofSeconds(5));
        window.recordTimeout();
        clock.advance(Duration.ofSeconds(30));
        window.recordWait(Duration.ofMillis(2));

        assertThat(window.snapshot()).isEqualTo(new RecentWindow.Snapshot(2, 1, Duration.ofSeconds(5)));

        clock.advance(Duration.ofSeconds(31));

        assertThat(window.snapshot()).isEqualTo(new RecentWindow.Snapshot(1, 0, Duration.ofMillis(2)));

        clock.advance(Duration.ofMinutes(1));

        assertThat(window.snapshot()).isEqualTo(new RecentWindow.Snapshot(0, 0, Duration.ZERO));
    }

    @Test
    void theRingKeepsTheMostRecentSamples() {
        ManualClock clock = new ManualClock();
        RecentWindow window = new RecentWindow(Duration.ofMinutes(1), 10, clock);
        for (int i = 0; i < 10; i++) {
            window.recordWait(Duration.ofSeconds(10));
        }
        for (int i = 0; i < 10; i++) {
            window.recordWait(Duration.ofMillis(1));
        }

        assertThat(window.snapshot()).isEqualTo(new RecentWindow.Snapshot(10, 0, Duration.ofMillis(1)));
    }

    @Test
    void redactionKeepsHostsAndDropsUrlsAndPasswords() {
        assertThat(Redact.message("opening a connection to postgresql://app:s3cret@db.internal:5432/orders timed out"))
                .isEqualTo("opening a connection to db.internal:5432 timed out");
        assertThat(Redact.message("bad option password=s3cret&user=x")).isEqualTo("bad option password=***&user=x");
        assertThat(Redact.message("x".repeat(400))).hasSize(303);
    }
}
