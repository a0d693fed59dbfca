package io.tidepool.pg.internal;

import io.r2dbc.spi.Result;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import java.util.List;

/** Where a statement's or batch's exchange runs: one connection, or a lane of connections that share the work. */
interface Exchanger {

    /**
     * The results of running {@code sql}: the simple protocol when {@code bindings} is {@code null}, the extended
     * protocol with one Bind/Execute per binding otherwise, each of at most {@link Frontend#MAX_PARAMETERS} values (the
     * limit {@link PgStatement} checks). Lazy: nothing is sent until subscription.
     */
    Flux<Result> exchange(String sql, @Nullable List<BindValue[]> bindings);
}
