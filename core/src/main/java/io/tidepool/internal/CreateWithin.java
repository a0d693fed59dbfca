package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Opens a connection under a deadline. Unlike {@code Mono.timeout}, a connection that arrives after the deadline is
 * closed instead of dropped, so a slow server never leaves a backend behind.
 */
final class CreateWithin implements CoreSubscriber<Connection> {

    private final MonoSink<Connection> sink;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile @Nullable Subscription upstream;
    private volatile @Nullable Disposable timer;
    private final Supplier<Throwable> timeoutError;

    private CreateWithin(MonoSink<Connection> sink, Supplier<Throwable> timeoutError) {
        this.sink = sink;
        this.timeoutError = timeoutError;
    }

    static Mono<Connection> create(Publisher<? extends Connection> open, Duration timeout, Scheduler scheduler,
                                   Supplier<Throwable> timeoutError) {
        return Mono.create(sink -> {
            CreateWithin op = new CreateWithin(sink, timeoutError);
            sink.onCancel(op::cancel);
            op.timer = scheduler.schedule(op::timeOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
            open.subscribe(op);
        });
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        s.request(1);
    }

    @Override
    public void onNext(Connection connection) {
        if (done.compareAndSet(false, true)) {
            disposeTimer();
            sink.success(connection);
        } else {
            Mono.from(connection.close()).subscribe(null, e -> { });
        }
    }

    @Override
    public void onError(Throwable error) {
        if (done.compareAndSet(false, true)) {
            disposeTimer();
            sink.error(error);
        }
    }

    @Override
    public void onComplete() {
        if (done.compareAndSet(false, true)) {
            disposeTimer();
            sink.success();
        }
    }

    private void timeOut() {
        if (done.compareAndSet(false, true)) {
            sink.error(timeoutError.get());
        }
    }

    private void cancel() {
        if (done.compareAndSet(false, true)) {
            disposeTimer();
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
        }
    }

    private void disposeTimer() {
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
    }
}
