package io.tidepool.health.internal;

import io.tidepool.PoolListener;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.health.ErrorKind;
import io.tidepool.health.PoolHealth;
import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** The listener a health check adds to its pool: it feeds the recent window and remembers the last error. */
public final class HealthEvents implements PoolListener {

    /** How many acquire waits and timeouts the window keeps at most. */
    static final int WINDOW_CAPACITY = 2048;

    private final RecentWindow window;
    private final Clock clock;
    private final ErrorClassifier classifier;
    private final AtomicReference<PoolHealth.@Nullable LastError> lastError = new AtomicReference<>();
    private volatile long lastLeakMillis;
    // kept apart from the last error: a later error of another kind (an acquire timeout) must not hide it
    private volatile long lastServerTroubleMillis;

    /** Events remembered for {@code window}, timed by {@code clock}, errors classified by the pool's {@code classifier}. */
    public HealthEvents(Duration window, Clock clock, ErrorClassifier classifier) {
        this.window = new RecentWindow(window, WINDOW_CAPACITY, clock);
        this.clock = clock;
        this.classifier = classifier;
    }

    @Override
    public void connectionAcquired(String pool, Duration waited) {
        window.recordWait(waited);
    }

    @Override
    public void acquireFailed(String pool, Duration waited, Throwable error) {
        if (error instanceof PoolAcquireTimeoutException) {
            window.recordTimeout();
        }
        record(error);
    }

    @Override
    public void leakSuspected(String pool, Duration held, Throwable acquiredAt) {
        lastLeakMillis = clock.millis();
    }

    /** True when a leak was reported less than {@code window} ago. */
    public boolean leakWithin(Duration window) {
        long at = lastLeakMillis;
        return at != 0 && clock.millis() - at < window.toMillis();
    }

    @Override
    public void connectionCreateFailed(String pool, Duration took, Throwable error) {
        record(error);
    }

    @Override
    public void workFailed(String pool, Throwable error) {
        record(error);
    }

    /** Remembers {@code error} as the last one, and when the server last failed to connect or refused a login. */
    public void record(Throwable error) {
        ErrorKind category = ErrorKind.of(error, classifier);
        Instant at = clock.instant();
        if (category == ErrorKind.CONNECTION || category == ErrorKind.AUTH) {
            lastServerTroubleMillis = at.toEpochMilli();
        }
        lastError.set(new PoolHealth.LastError(category, Redact.of(error), at));
    }

    /** True when a connection or authentication error was recorded less than {@code window} ago. */
    public boolean serverTroubleWithin(Duration window) {
        long at = lastServerTroubleMillis;
        return at != 0 && clock.millis() - at < window.toMillis();
    }

    /** The window's figures now. */
    public RecentWindow.Snapshot window() {
        return window.snapshot();
    }

    /** The last error, whenever it happened. */
    public Optional<PoolHealth.LastError> lastError() {
        return Optional.ofNullable(lastError.get());
    }
}
