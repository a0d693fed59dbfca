package io.tidepool.health.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

/**
 * What a pool did within a recent window: acquire waits (for their 99th percentile) and acquire timeouts.
 *
 * <p>Waits are kept in a ring of the most recent {@code capacity} samples with their time: under heavy load the
 * percentile is over the latest {@code capacity} acquires, which are recent anyway. Each record takes a short lock
 * and never allocates; a snapshot copies at most {@code capacity} longs and sorts them.
 */
public final class RecentWindow {

    private final long windowMillis;
    private final Clock clock;
    private final long[] waitAt;
    private final long[] waitNanos;
    private final long[] timeoutAt;
    private int waitNext;
    private int waitCount;
    private int timeoutNext;
    private int timeoutCount;

    /** A window of {@code window} length keeping up to {@code capacity} waits and as many timeouts. */
    public RecentWindow(Duration window, int capacity, Clock clock) {
        this.windowMillis = window.toMillis();
        this.clock = clock;
        this.waitAt = new long[capacity];
        this.waitNanos = new long[capacity];
        this.timeoutAt = new long[capacity];
    }

    /** A caller got a connection after waiting {@code waited}. */
    public void recordWait(Duration waited) {
        long now = clock.millis();
        long nanos = waited.toNanos();
        synchronized (this) {
            waitAt[waitNext] = now;
            waitNanos[waitNext] = nanos;
            waitNext = (waitNext + 1) % waitAt.length;
            waitCount = Math.min(waitCount + 1, waitAt.length);
        }
    }

    /** An acquire timed out. */
    public void recordTimeout() {
        long now = clock.millis();
        synchronized (this) {
            timeoutAt[timeoutNext] = now;
            timeoutNext = (timeoutNext + 1) % timeoutAt.length;
            timeoutCount = Math.min(timeoutCount + 1, timeoutAt.length);
        }
    }

    /** The figures within the window as of now. */
    public Snapshot snapshot() {
        long since = clock.millis() - windowMillis;
        long[] waits;
        int n = 0;
        long timeouts = 0;
        synchronized (this) {
            waits = new long[waitCount];
            for (int i = 0; i < waitCount; i++) {
                if (waitAt[i] > since) {
                    waits[n++] = waitNanos[i];
                }
            }
            for (int i = 0; i < timeoutCount; i++) {
                if (timeoutAt[i] > since) {
                    timeouts++;
                }
            }
        }
        Arrays.sort(waits, 0, n);
        Duration p99 = n == 0 ? Duration.ZERO : Duration.ofNanos(waits[percentileIndex(n, 0.99)]);
        return new Snapshot(n, timeouts, p99);
    }

    /** The nearest-rank index of percentile {@code p} among {@code n} sorted samples. */
    static int percentileIndex(int n, double p) {
        return Math.max(0, (int) Math.ceil(p * n) - 1);
    }

    /** The figures within a window: acquires, timeouts, and the 99th percentile wait. */
    public record Snapshot(long acquires, long timeouts, Duration p99Wait) {
    }
}
