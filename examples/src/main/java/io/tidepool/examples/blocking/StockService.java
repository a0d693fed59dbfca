package io.tidepool.examples.blocking;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.TidepoolPool;
import io.tidepool.blocking.BlockingPool;
import io.tidepool.blocking.BlockingTimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An imperative service of the kind a servlet container, a batch job or older code calls from its own threads: every
 * method waits for the database and returns a plain value. It runs on a {@link TidepoolPool} through
 * {@link BlockingPool}, so each call borrows, uses and returns a connection in the pool's one pipeline; only the
 * waiting blocks, and it is bounded.
 *
 * <p>Call it from threads that may block (a {@code main} thread, an executor's threads): on a Reactor non-blocking
 * thread (an event loop, {@code Schedulers.parallel()}) every method throws {@link IllegalStateException} before
 * borrowing anything. Each method throws {@link BlockingTimeoutException} when its timeout elapses; the work is then
 * cancelled, rolled back if it was a transaction, and its connection returned to the pool.
 *
 * <p>Thread-safe: share one instance.
 */
public final class StockService {

    /** How long the stand-in for a heavy report query takes on the server. */
    static final double REPORT_SECONDS = 2.0;

    private static final String SCHEMA = "CREATE TABLE IF NOT EXISTS stock_item (sku text PRIMARY KEY,"
            + " available int NOT NULL CHECK (available >= 0));"
            + " CREATE TABLE IF NOT EXISTS stock_order (id bigserial PRIMARY KEY, sku text NOT NULL"
            + " REFERENCES stock_item(sku), quantity int NOT NULL)";

    private final BlockingPool db;
    private final Duration timeout;

    /**
     * @param pool the pool to work on; the service does not close it
     * @param timeout the most each call waits, borrowing included
     */
    public StockService(TidepoolPool pool, Duration timeout) {
        this.db = BlockingPool.of(pool);
        this.timeout = timeout;
    }

    /** Creates the tables if needed and sets the stock of each item, forgetting earlier orders for them. */
    public void restock(Map<String, Integer> items) {
        db.inTransaction(c -> execute(c, SCHEMA).thenMany(Flux.fromIterable(items.entrySet())
                .concatMap(item -> execute(c, "DELETE FROM stock_order WHERE sku = $1", item.getKey())
                        .then(execute(c, "INSERT INTO stock_item VALUES ($1, $2) ON CONFLICT (sku)"
                                + " DO UPDATE SET available = excluded.available", item.getKey(), item.getValue())))),
                timeout);
    }

    /** How many of {@code sku} are available; 0 for an unknown item. */
    public int available(String sku) {
        List<Integer> rows = db.withConnection(c -> Flux.from(c.createStatement(
                                "SELECT available FROM stock_item WHERE sku = $1").bind(0, sku).execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0, Integer.class))),
                timeout);
        return rows.isEmpty() ? 0 : rows.get(0);
    }

    // tag::order[]
    /**
     * Takes {@code quantity} of {@code sku} from the stock and records the order, both or neither, in one
     * transaction; answers {@code false}, and changes nothing, when there are not enough left.
     */
    public boolean order(String sku, int quantity) {
        List<Boolean> placed = db.inTransaction(c -> Flux.from(c.createStatement(
                                "UPDATE stock_item SET available = available - $2 WHERE sku = $1 AND available >= $2")
                        .bind(0, sku).bind(1, quantity).execute())
                .flatMap(Result::getRowsUpdated)
                .next()
                .flatMap(updated -> updated == 0 ? Mono.just(false)
                        : execute(c, "INSERT INTO stock_order (sku, quantity) VALUES ($1, $2)", sku, quantity)
                        .thenReturn(true)), timeout);
        return placed.get(0);
    }
    // end::order[]

    /** The total quantity ordered of {@code sku}. */
    public long ordered(String sku) {
        return db.withConnection(c -> Flux.from(c.createStatement(
                                "SELECT coalesce(sum(quantity), 0)::int8 FROM stock_order WHERE sku = $1")
                        .bind(0, sku).execute())
                .flatMap(r -> r.map((row, meta) -> row.get(0, Long.class))), timeout).get(0);
    }

    // tag::report[]
    /**
     * Every item and its stock, from a query that takes about two seconds on the server ({@code pg_sleep} stands in
     * for a heavy report), within the caller's own {@code budget} instead of the service's timeout.
     *
     * @throws BlockingTimeoutException if the report took longer than {@code budget}: the query was cancelled and
     *         the connection returned to the pool
     */
    public List<String> report(Duration budget) {
        return db.withConnection(c -> Flux.from(c.createStatement("SELECT sku || ': ' || available"
                                + " FROM stock_item, pg_sleep(" + REPORT_SECONDS + ") ORDER BY sku").execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0, String.class))),
                budget);
    }
    // end::report[]

    private static Mono<Void> execute(Connection c, String sql, Object... parameters) {
        var statement = c.createStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            statement.bind(i, parameters[i]);
        }
        return Flux.from(statement.execute()).flatMap(Result::getRowsUpdated).then();
    }
}
