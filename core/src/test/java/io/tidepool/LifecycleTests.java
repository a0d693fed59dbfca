package io.tidepool;

import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.Sql;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.tidepool.error.PoolClosedException;
import io.tidepool.error.PoolStartException;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static io.tidepool.test.PoolFixture.awaitBackends;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class LifecycleTests extends PoolTest {

    @Test
    void aCloseLandingAsStartSchedulesItsUpkeepLeavesNoUpkeepBehind() {
        PeriodicTaskCounter scheduler = new PeriodicTaskCounter(Schedulers.parallel());
        TidepoolPool racing = PoolFixture.builder("start-close").maxSize(2).minIdle(1).scheduler(scheduler)
                .buildPool();
        // the keepalive's task was scheduled at construction; the next periodic task is start()'s upkeep, and
        // close() lands just before it is scheduled: the moment a close() racing the end of start() can hit
        scheduler.beforeNextPeriodic(() -> racing.close().subscribe());

        racing.start().onErrorResume(PoolStartException.class, e -> Mono.empty()).block(Duration.ofSeconds(20));
        racing.close().block(Duration.ofSeconds(20));

        assertThat(scheduler.periodicScheduled()).as("keepalive and upkeep were scheduled").isEqualTo(2);
        assertThat(scheduler.live()).as("periodic tasks left after close").isZero();
        assertThat(racing.state()).isEqualTo(PoolState.CLOSED);
        awaitBackends(racing, 0);
    }

    /** Counts the periodic tasks scheduled on it that are not disposed yet; all else goes to the delegate. */
    private static final class PeriodicTaskCounter implements Scheduler {

        private final Scheduler delegate;
        private final AtomicInteger live = new AtomicInteger();
        private final AtomicInteger scheduled = new AtomicInteger();
        private final AtomicReference<Runnable> beforeNext = new AtomicReference<>();

        PeriodicTaskCounter(Scheduler delegate) {
            this.delegate = delegate;
        }

        int live() {
            return live.get();
        }

        int periodicScheduled() {
            return scheduled.get();
        }

        /** Runs {@code action} once, on the thread scheduling the next periodic task, before it is scheduled. */
        void beforeNextPeriodic(Runnable action) {
            beforeNext.set(action);
        }

        @Override
        public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
            Runnable action = beforeNext.getAndSet(null);
            if (action != null) {
                action.run();
            }
            scheduled.incrementAndGet();
            Disposable periodic = delegate.schedulePeriodically(task, initialDelay, period, unit);
            live.incrementAndGet();
            return new CountedTask(periodic, live);
        }

        @Override
        public Disposable schedule(Runnable task) {
            return delegate.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return delegate.schedule(task, delay, unit);
        }

        @Override
        public long now(TimeUnit unit) {
            return delegate.now(unit);
        }

        @Override
        public Worker createWorker() {
            return delegate.createWorker();
        }

        @Override
        public void dispose() {
            // the shared parallel scheduler is not ours to dispose
        }
    }

    /** A scheduled task that lowers a count once, the first time it is disposed. */
    private static final class CountedTask implements Disposable {

        private final Disposable task;
        private final AtomicInteger live;
        private final AtomicBoolean disposed = new AtomicBoolean();

        CountedTask(Disposable task, AtomicInteger live) {
            this.task = task;
            this.live = live;
        }

        @Override
        public void dispose() {
            task.dispose();
            if (disposed.compareAndSet(false, true)) {
                live.decrementAndGet();
            }
        }

        @Override
        public boolean isDisposed() {
            return task.isDisposed();
        }
    }

    @Test
    void startWarmsUpToMinIdleAndChecksEachConnection() {
        pool = PoolFixture.builder("warm").maxSize(5).minIdle(3).buildPool();
        assertThat(pool.state()).isEqualTo(PoolState.NEW);

        pool.start().block(Duration.ofSeconds(20));

        assertThat(pool.state()).isEqualTo(PoolState.RUNNING);
        assertThat(pool.stats().idle()).isEqualTo(3);
        assertThat(pool.stats().creates()).isEqualTo(3);
        awaitBackends(pool, 3);
        pool.start().block(Duration.ofSeconds(5));
        assertThat(pool.stats().creates()).as("starting twice opens nothing more").isEqualTo(3);
    }

    @Test
    void aConnectionFailingItsFirstHealthCheckIsClosedAndAStartThatGivesUpLeavesNothingOpen() {
        String name = TestDatabase.uniqueApplicationName("unhealthy");
        ConnectionFactory real = ConnectionFactories.get(TestDatabase.get().r2dbcUrl("applicationName=" + name));
        pool = PoolConfiguration.builder().connectionFactory(new UnhealthyConnections(real)).name(name)
                .startTimeout(Duration.ofMillis(1500)).buildPool();

        StepVerifier.create(pool.start())
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(PoolStartException.class)
                            .hasMessageStartingWith("pool '" + name + "' could not start: startTimeout (1500 ms) "
                                    + "elapsed after ")
                            .hasMessageContaining("; last error: pool '" + name
                                    + "': a new connection failed its first health check (allocated=")
                            .hasCauseInstanceOf(io.tidepool.error.PoolValidationException.class);
                    assertThat(((PoolStartException) error).attempts()).as("backs off and tries again")
                            .isGreaterThanOrEqualTo(2);
                })
                .verify(Duration.ofSeconds(10));

        assertThat(pool.state()).isEqualTo(PoolState.NEW);
        assertThat(pool.stats().creates()).isGreaterThanOrEqualTo(2);
        assertNoLeak(pool, 0);
        awaitBackends(pool, 0);
    }

    @Test
    void anUnknownDatabaseFailsTheStartAtOnce() {
        TestDatabase db = TestDatabase.get();
        pool = PoolConfiguration.builder().name("unknown-db")
                .url("r2dbc:postgresql://" + db.user() + ":" + db.password() + "@" + db.host() + ":" + db.port()
                        + "/no_such_database")
                .buildPool();

        StepVerifier.create(pool.start())
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(PoolStartException.class)
                            .hasMessageStartingWith("pool 'unknown-db' could not start: the server refused in a way "
                                    + "that retrying cannot mend after 1 attempt; last error: ")
                            .hasMessageContaining("no_such_database");
                    assertThat(error.getMessage()).doesNotContain(db.password());
                })
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void anUnreachableServerIsRetriedWithBackoffUntilStartTimeout() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        pool = PoolConfiguration.builder().name("unreachable")
                .url("r2dbc:postgresql://nobody:secret-pw@127.0.0.1:" + port + "/db")
                .startTimeout(Duration.ofMillis(1200)).buildPool();

        StepVerifier.create(pool.start())
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(PoolStartException.class)
                            .isInstanceOf(R2dbcNonTransientResourceException.class)
                            .hasMessageContaining("startTimeout (1200 ms) elapsed");
                    assertThat(((PoolStartException) error).attempts()).isGreaterThanOrEqualTo(3);
                    assertThat(error.getMessage()).doesNotContain("secret-pw");
                })
                .verify(Duration.ofSeconds(10));
        assertThat(pool.stats().createFailures()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void closingAPoolWhileItsStartIsRetryingFailsTheStartAndSchedulesNothing() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        pool = PoolConfiguration.builder().name("closed-while-starting").minIdle(1)
                .url("r2dbc:postgresql://nobody@127.0.0.1:" + port + "/db")
                .startTimeout(Duration.ofSeconds(30)).buildPool();
        var started = pool.start().toFuture();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> pool.stats().createFailures() >= 1);

        pool.close().block(Duration.ofSeconds(10));

        StepVerifier.create(Mono.fromFuture(started))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(PoolStartException.class)
                        .hasMessageContaining("the pool was closed while it was starting"))
                .verify(Duration.ofSeconds(10));
        assertThat(pool.state()).isEqualTo(PoolState.CLOSED);
    }

    @Test
    void closeIsIdempotentAndNewAcquiresFailClearly() {
        pool = PoolFixture.builder("close").maxSize(3).minIdle(2).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        awaitBackends(pool, 2);

        Mono<Void> close = pool.close();
        close.block(Duration.ofSeconds(20));
        close.block(Duration.ofSeconds(5));
        pool.close().block(Duration.ofSeconds(5));

        assertThat(pool.state()).isEqualTo(PoolState.CLOSED);
        awaitBackends(pool, 0);
        StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(PoolClosedException.class)
                        .hasMessage("pool '" + pool.name() + "' is closed: it hands out no more connections"))
                .verify(Duration.ofSeconds(5));
        StepVerifier.create(pool.start()).expectError(PoolClosedException.class).verify(Duration.ofSeconds(5));
    }

    @Test
    void closeFailsWaitersAtOnceAndReclaimsLateBorrowersAfterTheDeadline() {
        pool = PoolFixture.builder("close-late").maxSize(1).closeTimeout(Duration.ofMillis(500)).buildPool();
        Connection held = pool.create().block(Duration.ofSeconds(10));
        var waiter = StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectSubscription()
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(PoolClosedException.class))
                .verifyLater();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().pending() == 1);

        long started = System.nanoTime();
        pool.close().block(Duration.ofSeconds(20));
        long tookMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();

        waiter.verify(Duration.ofSeconds(1));
        assertThat(tookMillis).as("waited for the borrower until closeTimeout").isBetween(450L, 5000L);
        assertThatThrownBy(() -> held.createStatement("SELECT 1")).isInstanceOf(IllegalStateException.class);
        assertThat(pool.stats().discards()).isEqualTo(1);
        awaitBackends(pool, 0);
    }

    @Test
    void aBorrowerReturningWithinTheDeadlineLetsCloseFinishEarly() {
        pool = PoolFixture.builder("close-drain").maxSize(1).closeTimeout(Duration.ofSeconds(20)).buildPool();
        Connection held = pool.create().block(Duration.ofSeconds(10));

        var closing = pool.close().toFuture();
        assertThat(closing).isNotDone();
        Mono.from(held.close()).block(Duration.ofSeconds(10));

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(closing::isDone);
        assertThat(pool.stats().discards()).isZero();
        awaitBackends(pool, 0);
    }

    @Test
    void theScopedFormClosesThePoolOnCompletionErrorAndCancel() {
        PoolConfiguration config = PoolFixture.builder("scoped").minIdle(1).build();

        assertThat(TidepoolPool.using(config, p -> p.withConnection(Sql::backendPid)).blockLast(
                Duration.ofSeconds(20))).isPositive();
        ServerChecks.awaitBackends(config.name(), 0);

        StepVerifier.create(TidepoolPool.using(config, p -> p.withConnection(Sql::backendPid)
                        .then(Mono.error(new IllegalStateException("work failed")))))
                .expectErrorMessage("work failed")
                .verify(Duration.ofSeconds(20));
        ServerChecks.awaitBackends(config.name(), 0);

        StepVerifier.create(TidepoolPool.using(config, p -> Flux.never()))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(500))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        ServerChecks.awaitBackends(config.name(), 0);
    }

    /** Real connections whose health check always fails. */
    private record UnhealthyConnections(ConnectionFactory real) implements ConnectionFactory {

        @Override
        public Publisher<? extends Connection> create() {
            return Mono.from(real.create()).map(connection -> (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("validate")) {
                            return Mono.just(false);
                        }
                        try {
                            return method.invoke(connection, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }));
        }

        @Override
        public ConnectionFactoryMetadata getMetadata() {
            return real.getMetadata();
        }
    }
}
