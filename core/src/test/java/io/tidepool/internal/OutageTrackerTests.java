package io.tidepool.internal;

import io.tidepool.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The connect backoff during an outage: once per round of attempts, not once per attempt. Pure logic, no server. */
class OutageTrackerTests {

    private static final IOException REFUSED = new IOException("Connection refused");

    /** Millis from now until the tracker lets the next attempt through. */
    private static long untilNextAttempt(OutageTracker tracker, ManualClock clock) {
        long waited = 0;
        while (tracker.check() != null) {
            clock.advance(Duration.ofMillis(1));
            waited++;
        }
        return waited;
    }

    /**
     * A failover's evict-all opens maxSize connections at once; all fail together (the old primary refuses). They
     * are one round: the next attempt is due within 200 ms, not 2.5 to 5 s later as when each doubled the backoff.
     */
    @Test
    void attemptsUnderWayTogetherAreOneRound() {
        ManualClock clock = new ManualClock();
        OutageTracker tracker = new OutageTracker(clock);
        long started = clock.millis();
        clock.advance(Duration.ofMillis(5));
        for (int i = 0; i < 8; i++) {
            tracker.failedToConnect(REFUSED, started);
            clock.advance(Duration.ofMillis(1));
        }
        assertThat(tracker.isDown()).isTrue();
        assertThat(tracker.check().failures()).isEqualTo(8);
        assertThat(untilNextAttempt(tracker, clock)).isBetween(90L, 200L);
    }

    @Test
    void eachFailedProbeDoublesTheBackoffUpToFiveSeconds() {
        ManualClock clock = new ManualClock();
        OutageTracker tracker = new OutageTracker(clock);
        long[] bases = {200, 400, 800, 1600, 3200, 5000, 5000};
        for (long base : bases) {
            long started = clock.millis();
            assertThat(tracker.mayProbe()).isTrue();
            clock.advance(Duration.ofMillis(2));
            tracker.failedToConnect(REFUSED, started);
            assertThat(untilNextAttempt(tracker, clock)).as("backoff of base %d", base)
                    .isBetween(base / 2 - 2, base);
        }
        tracker.connected();
        assertThat(tracker.isDown()).isFalse();
        assertThat(tracker.check()).isNull();
    }
}
