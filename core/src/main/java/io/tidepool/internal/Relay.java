package io.tidepool.internal;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.util.context.Context;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A subscriber that passes one publisher's signals on to its own subscriber, with a flag (itself) for what must
 * happen once whichever signal comes first. The engine's own operators extend it: one object per subscription, where
 * a chain of doOn* operators costs one per operator plus their lambdas.
 */
abstract class Relay<T, R> extends AtomicBoolean implements CoreSubscriber<T>, Subscription {

    private static final long serialVersionUID = 1L;

    final CoreSubscriber<? super R> actual;
    private @Nullable Subscription upstream;

    Relay(CoreSubscriber<? super R> actual) {
        this.actual = actual;
    }

    @Override
    public final Context currentContext() {
        return actual.currentContext();
    }

    @Override
    public final void onSubscribe(Subscription s) {
        upstream = s;
        actual.onSubscribe(this);
    }

    @Override
    public final void request(long n) {
        Subscription s = upstream;
        if (s != null) {
            s.request(n);
        }
    }

    final void cancelUpstream() {
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
    }

    /** True the first time only: what this relay does once. */
    final boolean once() {
        return compareAndSet(false, true);
    }

    /** A field's handle, for the engine's classes that keep a flag or a counter in a field of their own. */
    static VarHandle field(MethodHandles.Lookup lookup, String name, Class<?> type) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
