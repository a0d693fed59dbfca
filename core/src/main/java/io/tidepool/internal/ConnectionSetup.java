package io.tidepool.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.function.Function;

/**
 * What makes a connection the pool's baseline: the user's {@code connectionInitSql}, then {@code postAllocate}. Run on
 * every new connection and again after a session reset, which undoes their settings along with a borrower's.
 */
final class ConnectionSetup {

    private final @Nullable String initSql;
    private final @Nullable Function<? super Connection, ? extends Publisher<?>> postAllocate;

    private ConnectionSetup(@Nullable String initSql,
                            @Nullable Function<? super Connection, ? extends Publisher<?>> postAllocate) {
        this.initSql = initSql;
        this.postAllocate = postAllocate;
    }

    /** The setup the configuration asks for, or null when it asks for none (the common case: no cost at all). */
    static @Nullable ConnectionSetup of(PoolConfiguration config) {
        if (config.connectionInitSql().isEmpty() && config.postAllocate().isEmpty()) {
            return null;
        }
        return new ConnectionSetup(config.connectionInitSql().orElse(null), config.postAllocate().orElse(null));
    }

    /** Runs the setup on {@code connection}; fails as the SQL or the function fails. */
    Mono<Void> applyTo(Connection connection) {
        Mono<Void> steps = Mono.empty();
        if (initSql != null) {
            String sql = initSql;
            steps = Flux.from(connection.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).then();
        }
        if (postAllocate != null) {
            Function<? super Connection, ? extends Publisher<?>> work = postAllocate;
            steps = steps.then(Mono.defer(() -> Flux.from(work.apply(connection)).then()));
        }
        return steps;
    }
}
