package io.tidepool.examples.blocking;

import io.tidepool.blocking.BlockingTimeoutException;
import io.tidepool.testing.ServerChecks;
import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The blocking service on a real PostgreSQL, called from plain threads, from a non-blocking one, and out of time. */
@Timeout(120)
class BlockingExampleTests {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private TidepoolPool pool;

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close().block(Duration.ofSeconds(45));
        }
    }

    /** A pool on the test server with a fresh application name, so the server's view of it can be checked. */
    private static PoolConfiguration.Builder poolNamed(String prefix) {
        return PoolConfiguration.builder().url(TestDatabase.get().r2dbcUrl(""))
                .name(TestDatabase.uniqueApplicationName(prefix));
    }

    private static void assertNoLeak(TidepoolPool pool, int maxBackends) {
        ServerChecks.assertNoLeak(pool.name(), () -> pool.stats().acquired() + pool.stats().pending(), maxBackends);
    }

    @Test
    void theExampleRunsAndLeavesNoConnectionBehind() throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code = BlockingExample.run(TestDatabase.get().r2dbcUrl(""), new PrintStream(out, true,
                StandardCharsets.UTF_8));

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("100 orders from 8 worker threads: 55 placed, 45 refused (out of stock)")
                .contains("apple: 0 left, 100 ordered; pear: 0 left, 10 ordered")
                .contains("report: pool 'stock': the blocking call did not finish within 300 ms; its work was "
                        + "cancelled and its connection returned to the pool")
                .contains("report with a 5 s budget: [apple: 0, ").contains(", pear: 0")
                .contains("on a parallel thread: refused: BlockingPool.withConnection on pool 'stock' must not be "
                        + "called on the non-blocking thread 'parallel-")
                .contains("pool closed: allocated=0/4, acquired=0, idle=0, pending=0");
        ServerChecks.awaitBackends(BlockingExample.POOL_NAME, 0);
    }

    @Test
    void ordersFromManyPlainThreadsAtOnceNeverOversell() throws Exception {
        pool = poolNamed("stock-orders").maxSize(2).buildPool();
        StockService stock = new StockService(pool, CALL_TIMEOUT);
        stock.restock(Map.of("plum", 30));
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Callable<Boolean>> orders = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            orders.add(() -> stock.order("plum", 1));
        }

        int placed = 0;
        try {
            for (Future<Boolean> order : threads.invokeAll(orders, 60, TimeUnit.SECONDS)) {
                placed += order.get() ? 1 : 0;
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(placed).isEqualTo(30);
        assertThat(stock.available("plum")).isZero();
        assertThat(stock.ordered("plum")).isEqualTo(30);
        assertNoLeak(pool, 2);
    }

    @Test
    void aCallOnANonBlockingThreadIsRefusedBeforeBorrowingAnything() {
        pool = poolNamed("stock-refused").maxSize(1).buildPool();
        StockService stock = new StockService(pool, CALL_TIMEOUT);
        stock.restock(Map.of("kiwi", 5));
        long acquires = pool.stats().acquires();

        assertThatThrownBy(() -> Mono.fromCallable(() -> stock.order("kiwi", 1))
                .subscribeOn(Schedulers.parallel()).block(CALL_TIMEOUT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("BlockingPool.inTransaction on pool '" + pool.name()
                        + "' must not be called on the non-blocking thread 'parallel-")
                .hasMessageEndingWith("': waiting there would freeze an event loop; compose pool.withConnection(...)"
                        + " reactively, or call from a thread that may block (e.g. Schedulers.boundedElastic())");

        assertThat(pool.stats().acquires()).as("nothing borrowed").isEqualTo(acquires);
        assertThat(Mono.fromCallable(() -> stock.available("kiwi")).subscribeOn(Schedulers.boundedElastic())
                .block(CALL_TIMEOUT)).as("a thread that may block is served; nothing was ordered").isEqualTo(5);
    }

    @Test
    void aTimeoutCancelsTheQueryAndReturnsTheConnection() {
        pool = poolNamed("stock-timeout").maxSize(1).buildPool();
        StockService stock = new StockService(pool, CALL_TIMEOUT);
        stock.restock(Map.of("fig", 3));

        long begun = System.nanoTime();
        assertThatThrownBy(() -> stock.report(Duration.ofMillis(300)))
                .isInstanceOf(BlockingTimeoutException.class)
                .hasMessage("pool '" + pool.name() + "': the blocking call did not finish within 300 ms; its work was "
                        + "cancelled and its connection returned to the pool");
        assertThat(Duration.ofNanos(System.nanoTime() - begun)).as("control back at the timeout, not at the query's end")
                .isLessThan(Duration.ofMillis((long) (StockService.REPORT_SECONDS * 1000)));

        // the one connection came back (or was replaced), and the query does not run on in the server
        assertNoLeak(pool, 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(TestDatabase.get().query(
                "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND application_name = '" + pool.name() + "'"))
                .as("queries still running").isEmpty());
        assertThat(stock.available("fig")).as("the pool of one serves the next call").isEqualTo(3);
        assertThat(stock.report(Duration.ofSeconds(10))).as("with budget enough").contains("fig: 3");
    }
}
