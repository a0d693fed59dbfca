package io.tidepool.health.micrometer;

import io.tidepool.PoolListener;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.health.ErrorKind;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The binder's listener: records create, wait and use times and counts errors by category in every bound registry.
 *
 * <p>An acquire that fails because opening its connection failed reports the same error twice (create failed, then
 * acquire failed); the error is counted once, by remembering the last few create errors by identity.
 */
final class MeterEvents implements PoolListener {

    private static final int RECENT_CREATE_ERRORS = 16;

    private final List<TidepoolMeterBinder.Bound> bound;
    private final ErrorClassifier classifier;
    private final AtomicReferenceArray<Throwable> recentCreateErrors = new AtomicReferenceArray<>(RECENT_CREATE_ERRORS);
    private final AtomicInteger next = new AtomicInteger();

    /** Counts into {@code bound}, by the categories of the pool's own {@code classifier}. */
    MeterEvents(List<TidepoolMeterBinder.Bound> bound, ErrorClassifier classifier) {
        this.bound = bound;
        this.classifier = classifier;
    }

    @Override
    public void connectionCreated(String pool, Duration took) {
        bound.forEach(b -> b.createTime().record(took));
    }

    @Override
    public void connectionCreateFailed(String pool, Duration took, Throwable error) {
        recentCreateErrors.set(Math.floorMod(next.getAndIncrement(), RECENT_CREATE_ERRORS), error);
        count(error);
    }

    @Override
    public void connectionAcquired(String pool, Duration waited) {
        bound.forEach(b -> b.waitTime().record(waited));
    }

    @Override
    public void acquireFailed(String pool, Duration waited, Throwable error) {
        for (int i = 0; i < RECENT_CREATE_ERRORS; i++) {
            if (recentCreateErrors.get(i) == error) {
                return;
            }
        }
        count(error);
    }

    @Override
    public void connectionReturned(String pool, Duration held, boolean discarded) {
        bound.forEach(b -> b.useTime().record(held));
    }

    @Override
    public void workFailed(String pool, Throwable error) {
        count(error);
    }

    private void count(Throwable error) {
        ErrorKind category = ErrorKind.of(error, classifier);
        bound.forEach(b -> b.errors().get(category).increment());
    }
}
