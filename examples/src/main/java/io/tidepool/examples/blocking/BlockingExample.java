package io.tidepool.examples.blocking;

import io.tidepool.TidepoolPool;
import io.tidepool.blocking.BlockingTimeoutException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Blocking callers on a reactive pool, in the shape of seed 004 (synchronous code next to reactive code): eight
 * plain worker threads, as a servlet container would have, place orders through {@link StockService} at the same
 * time; a report that takes longer than its caller's budget times out and gives its connection back; and a call
 * from a Reactor non-blocking thread is refused, with a message that says why.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=io.tidepool.examples.blocking.BlockingExample \
 *     -Dexec.args="r2dbc:postgresql://postgres:secret@localhost:5432/postgres"
 * </pre>
 * The URL can also come from the environment variable {@code TIDEPOOL_EXAMPLE_URL}. The example creates the tables
 * {@code stock_item} and {@code stock_order}.
 */
public final class BlockingExample {

    /** The pool's name, and so the server's {@code application_name} of its connections. */
    public static final String POOL_NAME = "stock";

    private static final String DEFAULT_URL = "r2dbc:postgresql://postgres@localhost:5432/postgres";
    private static final int WORKERS = 8;
    private static final int ORDERS = 100;

    private BlockingExample() {
    }

    public static void main(String[] args) throws InterruptedException {
        String url = args.length > 0 ? args[0] : System.getenv().getOrDefault("TIDEPOOL_EXAMPLE_URL", DEFAULT_URL);
        System.exit(run(url, System.out));
    }

    /** Runs the example on its own pool, closed at the end; answers the process exit code. */
    public static int run(String url, PrintStream out) throws InterruptedException {
        // tag::pool[]
        TidepoolPool pool = TidepoolPool.builder().url(url).name(POOL_NAME)
                .maxSize(4)                                 // 8 workers share 4 connections
                .acquireTimeout(Duration.ofSeconds(2))      // bounds the wait for a connection
                .buildPool();
        StockService stock = new StockService(pool, Duration.ofSeconds(5)); // bounds each whole call
        // end::pool[]
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        try {
            pool.start().block(Duration.ofSeconds(30));
            stock.restock(Map.of("apple", 100, "pear", 10));

            int placed = placeOrders(stock, workers);
            out.printf("%d orders from %d worker threads: %d placed, %d refused (out of stock)%n", ORDERS, WORKERS,
                    placed, ORDERS - placed);
            out.printf("apple: %d left, %d ordered; pear: %d left, %d ordered%n", stock.available("apple"),
                    stock.ordered("apple"), stock.available("pear"), stock.ordered("pear"));

            // tag::timeout[]
            try {
                stock.report(Duration.ofMillis(300));
            } catch (BlockingTimeoutException e) {
                out.println("report: " + e.getMessage());
            }
            out.println("report with a 5 s budget: " + stock.report(Duration.ofSeconds(5)));
            // end::timeout[]

            // tag::refused[]
            String refusal = Mono.fromCallable(() -> "answered " + stock.available("apple"))
                    .subscribeOn(Schedulers.parallel())    // a non-blocking thread: the call must not wait there
                    .onErrorResume(IllegalStateException.class, e -> Mono.just("refused: " + e.getMessage()))
                    .block(Duration.ofSeconds(5));
            out.println("on a parallel thread: " + refusal);
            // end::refused[]
            return 0;
        } finally {
            workers.shutdownNow();
            workers.awaitTermination(10, TimeUnit.SECONDS);
            pool.close().block(Duration.ofSeconds(30));
            out.println("pool closed: " + pool.stats().describeState());
        }
    }

    /**
     * {@value #ORDERS} orders of two, three apples to every pear, from the worker threads at once, for more than
     * there is; answers how many were placed.
     */
    private static int placeOrders(StockService stock, ExecutorService workers) throws InterruptedException {
        List<Callable<Boolean>> orders = new ArrayList<>(ORDERS);
        for (int i = 0; i < ORDERS; i++) {
            String sku = i % 4 == 0 ? "pear" : "apple";
            orders.add(() -> stock.order(sku, 2));
        }
        int placed = 0;
        for (Future<Boolean> order : workers.invokeAll(orders, 60, TimeUnit.SECONDS)) {
            try {
                placed += order.get() ? 1 : 0;
            } catch (ExecutionException e) {
                throw new IllegalStateException("an order failed", e.getCause());
            }
        }
        return placed;
    }
}
