package io.tidepool.internal;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.pg.PgLane;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A batch of a multiplexed borrower: on the lane when none of its statements pins ({@link Pinning}) and the borrower
 * is not pinned by the time it executes, otherwise on the pinned connection.
 */
final class VirtualBatch implements Batch {

    private final PgLane.Route route;
    private final Function<Function<Connection, Publisher<Result>>, Flux<Result>> onPinned;
    private final BooleanSupplier pinnedAlready;
    private final List<String> statements = new ArrayList<>();
    private boolean pins;

    VirtualBatch(PgLane.Route route, Function<Function<Connection, Publisher<Result>>, Flux<Result>> onPinned,
                 BooleanSupplier pinnedAlready) {
        this.route = route;
        this.onPinned = onPinned;
        this.pinnedAlready = pinnedAlready;
    }

    @Override
    public Batch add(String sql) {
        statements.add(sql);
        pins |= Pinning.pinsStatement(sql);
        return this;
    }

    @Override
    public Flux<Result> execute() {
        List<String> all = List.copyOf(statements);
        // decided at subscription: the borrower may pin between making the batch and running it
        return Flux.defer(() -> {
            if (pins || pinnedAlready.getAsBoolean()) {
                return onPinned.apply(connection -> {
                    Batch batch = connection.createBatch();
                    all.forEach(batch::add);
                    return Flux.<Result>from(batch.execute());
                });
            }
            Batch batch = route.createBatch();
            all.forEach(batch::add);
            return Flux.from(batch.execute());
        });
    }
}
