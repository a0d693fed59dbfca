package io.tidepool.testing;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** One-line SQL on an R2DBC connection, for tests. */
public final class Sql {

    private Sql() {
    }

    /** The first column of the first row of {@code sql}, read as {@code type}. */
    public static <T> Mono<T> queryOne(Connection connection, String sql, Class<T> type) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map((row, meta) -> row.get(0, type)))
                .next();
    }

    /** Runs {@code sql} and reads its update counts to the end. */
    public static Mono<Void> run(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).then();
    }

    /** The server's backend process id of this connection. */
    public static Mono<Integer> backendPid(Connection connection) {
        return queryOne(connection, "SELECT pg_backend_pid()", Integer.class);
    }
}
