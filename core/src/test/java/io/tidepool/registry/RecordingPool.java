package io.tidepool.registry;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.tidepool.PoolConfiguration;
import io.tidepool.PoolListener;
import io.tidepool.PoolState;
import io.tidepool.stats.PoolStats;
import io.tidepool.TidepoolPool;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.function.Function;

/** A real pool that records, in a shared journal, when its close begins and whether the others were closed then. */
final class RecordingPool implements TidepoolPool {

    private final TidepoolPool delegate;
    private final List<String> journal;
    private final @Nullable RuntimeException closeFailure;

    RecordingPool(TidepoolPool delegate, List<String> journal) {
        this(delegate, journal, null);
    }

    /** A pool whose close closes it, then fails with {@code closeFailure}. */
    RecordingPool(TidepoolPool delegate, List<String> journal, @Nullable RuntimeException closeFailure) {
        this.delegate = delegate;
        this.journal = journal;
        this.closeFailure = closeFailure;
    }

    @Override
    public Mono<Void> close() {
        Mono<Void> close = delegate.close()
                .doOnSubscribe(s -> journal.add("close " + delegate.name()))
                .doOnSuccess(v -> journal.add("closed " + delegate.name()));
        return closeFailure == null ? close : close.then(Mono.error(closeFailure));
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public PoolConfiguration configuration() {
        return delegate.configuration();
    }

    @Override
    public PoolState state() {
        return delegate.state();
    }

    @Override
    public Mono<Void> start() {
        return delegate.start();
    }

    @Override
    public <T> Flux<T> withConnection(Function<? super Connection, ? extends Publisher<T>> work) {
        return delegate.withConnection(work);
    }

    @Override
    public <T> Flux<T> withConnection(io.tidepool.RetryPolicy retry,
                                      Function<? super Connection, ? extends Publisher<T>> work) {
        return delegate.withConnection(retry, work);
    }

    @Override
    public Mono<Void> evictAll() {
        return delegate.evictAll();
    }

    @Override
    public <T> Flux<T> inTransaction(Function<? super Connection, ? extends Publisher<T>> work) {
        return delegate.inTransaction(work);
    }

    @Override
    public Mono<Connection> create() {
        return delegate.create();
    }

    @Override
    public PoolStats stats() {
        return delegate.stats();
    }

    @Override
    public Disposable addListener(PoolListener listener) {
        return delegate.addListener(listener);
    }

    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return delegate.getMetadata();
    }
}
