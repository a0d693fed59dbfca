package io.tidepool.internal;

import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whether the database is reachable, as the pool's attempts to connect have found: after a transient failure the
 * pool lets one attempt through per backoff period (100 ms doubling to 5 s, with jitter) and fails the other callers
 * at once. Any successful connection ends the outage.
 *
 * <p>The backoff doubles once per round, not once per failed attempt: the attempts that were already under way when
 * the outage began (a failover's evict-all opens up to maxSize at once) fail together, and counted one by one they
 * would push the next attempt seconds away at once (8 of them: 2.5 to 5 s), past a standby promoted in a tenth of
 * that. An attempt that started before the round's first failure belongs to that round.
 */
final class OutageTracker {

    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final Clock clock;
    private volatile @Nullable Instant downSince;
    private long failures;
    // rounds of failed attempts in this outage, and when the latest round began (its first failure)
    private long rounds;
    private long roundMillis;
    private @Nullable String lastError;
    private long nextAttemptMillis;

    OutageTracker(Clock clock) {
        this.clock = clock;
    }

    /** True while the last attempt to connect failed; one volatile read. */
    boolean isDown() {
        return downSince != null;
    }

    /**
     * During an outage, true once per backoff period: the caller that gets it may try to connect, and the others are
     * held off until the next period.
     */
    synchronized boolean mayProbe() {
        if (downSince == null) {
            return true;
        }
        long now = clock.millis();
        if (now >= nextAttemptMillis) {
            nextAttemptMillis = now + backoffMillis();
            return true;
        }
        return false;
    }

    /**
     * What a caller should be told instead of waiting, or null when it may go ahead: the database is up, or the next
     * attempt is due (the allocation gate then lets one caller try). Callers ask {@link #isDown()} first, a volatile
     * read, so the database being up costs no lock.
     */
    synchronized @Nullable Outage check() {
        Instant since = downSince;
        if (since == null || clock.millis() >= nextAttemptMillis) {
            return null;
        }
        return new Outage(since, failures, lastError == null ? "unknown" : lastError);
    }

    synchronized void connected() {
        downSince = null;
        failures = 0;
        rounds = 0;
        lastError = null;
    }

    /** An attempt to connect that began at {@code startedMillis} (by the tracker's clock) failed. */
    synchronized void failedToConnect(Throwable error, long startedMillis) {
        boolean sameRound = downSince != null && startedMillis < roundMillis;
        if (downSince == null) {
            downSince = clock.instant();
        }
        failures++;
        lastError = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        if (!sameRound) {
            rounds++;
            roundMillis = clock.millis();
            nextAttemptMillis = roundMillis + backoffMillis();
        }
    }

    private long backoffMillis() {
        long base = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(rounds, 16));
        return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    record Outage(Instant since, long failures, String lastError) {
    }
}
