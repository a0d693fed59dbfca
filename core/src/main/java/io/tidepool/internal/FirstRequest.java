package io.tidepool.internal;

import org.reactivestreams.Subscription;

/**
 * A {@link Subscription} whose work starts on the subscriber's first request and answers one value at most, so later
 * requests change nothing. Requests are serial (Reactive Streams 2.7): a plain flag is enough.
 */
abstract class FirstRequest implements Subscription {

    private boolean started;

    @Override
    public final void request(long n) {
        if (started) {
            return;
        }
        started = true;
        if (n <= 0) {
            refused(new IllegalArgumentException("Spec. Rule 3.9 - Cannot request a non strictly positive number: "
                    + n));
            return;
        }
        start();
    }

    /** The first request came: begin. */
    abstract void start();

    /** The first request was not positive: fail the subscriber with {@code error}. */
    abstract void refused(IllegalArgumentException error);
}
