package io.tidepool.registry;

import io.tidepool.PoolConfiguration;
import io.tidepool.PoolState;
import io.tidepool.TidepoolPool;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tidepool.test.PoolFixture.awaitBackends;
import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The registry's lifecycle on a real PostgreSQL server. */
@Timeout(60)
class RegistryTests {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<PoolRegistry> registries = new ArrayList<>();
    private final List<String> databases = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (PoolRegistry registry : registries) {
            try {
                registry.stop(Duration.ofSeconds(20)).block(Duration.ofSeconds(30));
            } catch (RuntimeException alreadyReported) {
                // a test that expects a failed stop has asserted it already
            }
        }
        databases.forEach(db -> TestDatabase.get().execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)"));
    }

    private PoolRegistry track(PoolRegistry registry) {
        registries.add(registry);
        return registry;
    }

    /** A pool on a database that does not exist yet: its start fails at once (3D000) until the database is created. */
    private PoolConfiguration.Builder onMissingDatabase(String prefix) {
        String database = "tidepool_registry_" + DATABASES.incrementAndGet() + "_" + ProcessHandle.current().pid();
        databases.add(database);
        TestDatabase db = TestDatabase.get();
        return PoolConfiguration.builder()
                .url("r2dbc:postgresql://" + db.user() + ":" + db.password() + "@" + db.host() + ":" + db.port() + "/"
                        + database)
                .name(TestDatabase.uniqueApplicationName(prefix));
    }

    private static String databaseOf(PoolConfiguration configuration) {
        String target = configuration.target();
        return target.substring(target.lastIndexOf('/') + 1);
    }

    @Test
    void startsEveryPoolAndLooksThemUpByName() {
        PoolConfiguration main = PoolFixture.builder("main").initialSize(2).build();
        PoolConfiguration cache = PoolFixture.builder("cache").build();
        PoolRegistry registry = track(PoolRegistry.builder().required(main).optional(cache).build());
        assertThat(registry.state()).isEqualTo(RegistryState.NEW);

        StepVerifier.create(registry.start()).verifyComplete();

        assertThat(registry.state()).isEqualTo(RegistryState.RUNNING);
        assertThat(registry.names()).containsExactly(main.name(), cache.name());
        assertThat(registry.isAvailable(main.name())).isTrue();
        assertThat(registry.pools()).extracting(RegisteredPool::availability)
                .containsOnly(PoolAvailability.AVAILABLE);
        awaitBackends(registry.pool(main.name()), 2);
        assertThat(registry.pool(cache.name()).withConnection(c -> queryOne(c, "SELECT 1", Integer.class))
                .blockLast(WAIT)).isEqualTo(1);
        StepVerifier.create(registry.start()).as("start is idempotent").verifyComplete();
    }

    @Test
    void aRequiredFailureClosesEveryStartedPoolAndListsEveryFailure() {
        PoolConfiguration main = PoolFixture.builder("main").initialSize(2).build();
        PoolConfiguration ledger = onMissingDatabase("ledger").build();
        PoolConfiguration archive = onMissingDatabase("archive").build();
        PoolConfiguration cache = PoolFixture.builder("cache").initialSize(1).build();
        PoolRegistry registry = track(PoolRegistry.builder()
                .required(main).required(ledger).optional(archive).optional(cache).build());

        StepVerifier.create(registry.start())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(RegistryStartException.class);
                    RegistryStartException failure = (RegistryStartException) e;
                    assertThat(failure.requiredFailures()).containsExactly(ledger.name());
                    assertThat(failure.failures()).containsOnlyKeys(ledger.name(), archive.name());
                    assertThat(failure.getSuppressed()).hasSize(2);
                    assertThat(e.getMessage())
                            .startsWith("registry could not start: 1 required pool failed (" + ledger.name()
                                    + "), every pool was closed; " + ledger.name() + " (required): pool '"
                                    + ledger.name() + "' could not start")
                            .contains("; " + archive.name() + " (optional): pool '" + archive.name()
                                    + "' could not start")
                            .contains(databaseOf(ledger))
                            .doesNotContain(TestDatabase.get().password() + "@");
                })
                .verify(WAIT);

        assertThat(registry.state()).isEqualTo(RegistryState.FAILED);
        for (String name : registry.names()) {
            awaitClosed(registry.pool(name));
            awaitBackends(registry.pool(name), 0);
        }
        assertThat(registry.pools()).extracting(RegisteredPool::availability).containsOnly(PoolAvailability.STOPPED);
    }

    @Test
    void aRequiredPoolThatOutlivesItsStartDeadlineFailsTheStartWithTheDeadline() throws IOException {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        PoolConfiguration main = PoolFixture.builder("main").initialSize(1).build();
        // connection refused is transient: the pool itself would keep trying for its 30 s startTimeout
        PoolConfiguration gone = PoolConfiguration.builder().name(TestDatabase.uniqueApplicationName("gone"))
                .url("r2dbc:postgresql://nobody@127.0.0.1:" + deadPort + "/nothing").build();
        PoolRegistry registry = track(PoolRegistry.builder().required(main).required(gone)
                .startTimeout(Duration.ofMillis(700)).build());

        long begun = System.nanoTime();
        StepVerifier.create(registry.start())
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(RegistryStartException.class)
                        .hasMessageContaining(gone.name() + " (required): pool '" + gone.name()
                                + "' did not start within 700 ms"))
                .verify(WAIT);

        assertThat(Duration.ofNanos(System.nanoTime() - begun)).isLessThan(Duration.ofSeconds(10));
        awaitClosed(registry.pool(gone.name()));
        awaitBackends(registry.pool(main.name()), 0);
    }

    @Test
    void anOptionalFailureDegradesAndRecoversWhenTheDatabaseAppears() {
        PoolConfiguration main = PoolFixture.builder("main").build();
        PoolConfiguration reports = onMissingDatabase("reports").initialSize(1).build();
        PoolRegistry registry = track(PoolRegistry.builder().required(main).optional(reports)
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build());

        StepVerifier.create(registry.start()).verifyComplete();

        assertThat(registry.state()).isEqualTo(RegistryState.DEGRADED);
        assertThat(registry.isAvailable(main.name())).isTrue();
        assertThat(registry.isAvailable(reports.name())).isFalse();
        await().atMost(WAIT).untilAsserted(() -> {
            RegisteredPool snapshot = registry.pools().get(1);
            assertThat(snapshot.availability()).isEqualTo(PoolAvailability.RETRYING);
            assertThat(snapshot.failedStarts()).as("retried in the background").isGreaterThanOrEqualTo(3);
            assertThat(snapshot.lastFailure()).get().asString().contains(databaseOf(reports));
        });

        TestDatabase.get().execute("CREATE DATABASE " + databaseOf(reports));

        await().atMost(WAIT).untilAsserted(() -> assertThat(registry.state()).isEqualTo(RegistryState.RUNNING));
        assertThat(registry.isAvailable(reports.name())).isTrue();
        awaitBackends(registry.pool(reports.name()), 1);
        assertThat(registry.pool(reports.name())
                .withConnection(c -> queryOne(c, "SELECT current_database()", String.class)).blockLast(WAIT))
                .isEqualTo(databaseOf(reports));

        StepVerifier.create(registry.stop()).verifyComplete();
        awaitBackends(registry.pool(reports.name()), 0);
    }

    @Test
    void backgroundRetriesBackOffOnTheInjectedScheduler() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        try {
            PoolConfiguration reports = onMissingDatabase("reports").build();
            PoolRegistry registry = track(PoolRegistry.builder().optional(reports).scheduler(time)
                    .retryBackoff(Duration.ofSeconds(10), Duration.ofSeconds(40)).build());
            registry.start().block(WAIT);
            assertThat(registry.state()).isEqualTo(RegistryState.DEGRADED);
            assertThat(failedStarts(registry)).isEqualTo(1);

            // no retry in real time, nor before the first backoff has elapsed on the scheduler
            await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> failedStarts(registry) == 1);
            time.advanceTimeBy(Duration.ofSeconds(10));
            await().atMost(WAIT).until(() -> failedStarts(registry) == 2);
            // the next delay is 10 s plus up to 50% jitter: nothing at 9 s, a retry by 15 s
            time.advanceTimeBy(Duration.ofSeconds(9));
            await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> failedStarts(registry) == 2);
            // the delay is scheduled just after the failure is counted: step the clock until the retry has run
            await().atMost(WAIT).until(() -> advanced(time) && failedStarts(registry) == 3);

            TestDatabase.get().execute("CREATE DATABASE " + databaseOf(reports));
            // the next delay is 20 s with 50% jitter, 10 to 30 s: one step of 30 s starts the retry, and the clock then
            // stands still while it connects in real time (stepping on would let the attempt's own 30 s deadline, on
            // the same scheduler, expire under a slow machine and count a fourth failure)
            time.advanceTimeBy(Duration.ofSeconds(30));
            await().atMost(WAIT).until(() -> registry.state() == RegistryState.RUNNING);
            assertThat(failedStarts(registry)).isEqualTo(3);

            // the stop deadline runs on the virtual scheduler too: stop before it is disposed
            StepVerifier.create(registry.stop()).verifyComplete();
        } finally {
            time.dispose();
        }
    }

    private static boolean advanced(VirtualTimeScheduler time) {
        time.advanceTimeBy(Duration.ofSeconds(1));
        return true;
    }

    private static int failedStarts(PoolRegistry registry) {
        return registry.pools().get(0).failedStarts();
    }

    @Test
    void stopClosesInReverseOrderOfRegistrationEachAfterThePrevious() {
        List<String> journal = Collections.synchronizedList(new ArrayList<>());
        List<TidepoolPool> pools = new ArrayList<>();
        PoolRegistry.Builder builder = PoolRegistry.builder();
        for (String prefix : List.of("first", "second", "third")) {
            TidepoolPool pool = new RecordingPool(PoolFixture.builder(prefix).initialSize(1).buildPool(), journal);
            pools.add(pool);
            builder.required(pool);
        }
        PoolRegistry registry = track(builder.build());
        registry.start().block(WAIT);
        pools.forEach(pool -> awaitBackends(pool, 1));

        StepVerifier.create(registry.stop(Duration.ofSeconds(20))).verifyComplete();

        String first = pools.get(0).name();
        String second = pools.get(1).name();
        String third = pools.get(2).name();
        assertThat(journal).containsExactly("close " + third, "closed " + third, "close " + second,
                "closed " + second, "close " + first, "closed " + first);
        assertThat(registry.state()).isEqualTo(RegistryState.STOPPED);
        pools.forEach(pool -> awaitBackends(pool, 0));
        StepVerifier.create(registry.stop()).as("stop is idempotent").verifyComplete();
        StepVerifier.create(registry.start())
                .expectErrorMessage("registry was stopped: it cannot be started again")
                .verify(WAIT);
    }

    @Test
    void aPoolWhoseCloseFailsIsReportedAndTheOthersCloseAnyway() {
        List<String> journal = Collections.synchronizedList(new ArrayList<>());
        TidepoolPool first = new RecordingPool(PoolFixture.builder("first").initialSize(1).buildPool(), journal);
        TidepoolPool failing = new RecordingPool(PoolFixture.builder("failing").initialSize(1).buildPool(), journal,
                new IllegalStateException("disk on fire"));
        PoolRegistry registry = track(PoolRegistry.builder().required(first).required(failing).build());
        registry.start().block(WAIT);

        StepVerifier.create(registry.stop())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(RegistryStopException.class)
                            .hasMessage("registry stopped, but closing failed for " + failing.name()
                                    + ": disk on fire");
                    assertThat(((RegistryStopException) e).closeFailures()).containsOnlyKeys(failing.name());
                    assertThat(((RegistryStopException) e).unclosed()).isEmpty();
                })
                .verify(WAIT);

        assertThat(journal).containsExactly("close " + failing.name(), "closed " + failing.name(),
                "close " + first.name(), "closed " + first.name());
        assertThat(registry.state()).isEqualTo(RegistryState.STOPPED);
        awaitBackends(first, 0);
        awaitBackends(failing, 0);
    }

    @Test
    void stopObservesItsDeadlineAndAsksTheRemainingPoolsToClose() {
        PoolConfiguration other = PoolFixture.builder("other").initialSize(1).build();
        PoolConfiguration busy = PoolFixture.builder("busy").closeTimeout(Duration.ofSeconds(30)).build();
        PoolRegistry registry = track(PoolRegistry.builder().required(other).required(busy).build());
        registry.start().block(WAIT);
        TidepoolPool busyPool = registry.pool(busy.name());
        Disposable borrower = busyPool.withConnection(c -> Mono.never()).subscribe();
        await().atMost(WAIT).until(() -> busyPool.stats().acquired() == 1);

        long begun = System.nanoTime();
        StepVerifier.create(registry.stop(Duration.ofMillis(500)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(RegistryStopException.class)
                            .hasMessageStartingWith("registry stop deadline of 500 ms elapsed with pools still "
                                    + "closing: " + busy.name());
                    assertThat(((RegistryStopException) e).unclosed()).startsWith(busy.name());
                })
                .verify(WAIT);
        Duration took = Duration.ofNanos(System.nanoTime() - begun);

        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(450)).isLessThan(Duration.ofSeconds(5));
        assertThat(registry.state()).isEqualTo(RegistryState.STOPPED);
        assertThat(busyPool.state()).as("still draining its borrower").isEqualTo(PoolState.CLOSING);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(registry.pool(other.name()).state()).as("asked to close at the deadline")
                        .isEqualTo(PoolState.CLOSED));
        awaitBackends(registry.pool(other.name()), 0);

        borrower.dispose();
        await().atMost(WAIT).untilAsserted(() -> assertThat(busyPool.state()).isEqualTo(PoolState.CLOSED));
        awaitBackends(busyPool, 0);
    }

    @Test
    void stoppingWhileStartingCancelsTheStart() throws IOException {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        PoolConfiguration main = PoolFixture.builder("main").initialSize(1).build();
        PoolConfiguration gone = PoolConfiguration.builder().name(TestDatabase.uniqueApplicationName("gone"))
                .url("r2dbc:postgresql://nobody@127.0.0.1:" + deadPort + "/nothing").build();
        PoolRegistry registry = track(PoolRegistry.builder().required(main).required(gone).build());
        registry.start().subscribe(null, e -> { });
        await().atMost(WAIT).until(() -> registry.isAvailable(main.name()));
        assertThat(registry.state()).isEqualTo(RegistryState.STARTING);

        StepVerifier.create(registry.stop()).verifyComplete();

        StepVerifier.create(registry.start())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RegistryStartException.class)
                        .hasMessage("registry was stopped before it finished starting"))
                .verify(WAIT);
        assertThat(registry.state()).isEqualTo(RegistryState.STOPPED);
        awaitClosed(registry.pool(gone.name()));
        awaitBackends(registry.pool(main.name()), 0);
    }

    @Test
    void stoppingEndsTheBackgroundRetries() {
        PoolConfiguration main = PoolFixture.builder("main").build();
        PoolConfiguration reports = onMissingDatabase("reports").build();
        PoolRegistry registry = track(PoolRegistry.builder().required(main).optional(reports)
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100)).build());
        registry.start().block(WAIT);

        StepVerifier.create(registry.stop()).verifyComplete();

        int attempts = registry.pools().get(1).failedStarts();
        TestDatabase.get().execute("CREATE DATABASE " + databaseOf(reports));
        assertThat(registry.pools().get(1).availability()).isEqualTo(PoolAvailability.STOPPED);
        awaitClosed(registry.pool(reports.name()));
        assertThat(registry.pools().get(1).failedStarts()).as("no retry after stop").isEqualTo(attempts);
        awaitBackends(registry.pool(reports.name()), 0);
    }

    @Test
    void theScopedFormStopsTheRegistryWhenTheWorkCompletesFailsOrIsCancelled() {
        PoolConfiguration a = PoolFixture.builder("scoped").initialSize(1).build();
        PoolRegistry completes = PoolRegistry.builder().required(a).build();
        StepVerifier.create(PoolRegistry.using(completes,
                        r -> r.pool(a.name()).withConnection(c -> queryOne(c, "SELECT 5", Integer.class))))
                .expectNext(5)
                .verifyComplete();
        assertThat(completes.state()).isEqualTo(RegistryState.STOPPED);
        awaitBackends(completes.pool(a.name()), 0);

        PoolConfiguration b = PoolFixture.builder("scoped").initialSize(1).build();
        PoolRegistry fails = PoolRegistry.builder().required(b).build();
        StepVerifier.create(PoolRegistry.using(fails, r -> Mono.error(new IllegalStateException("boom"))))
                .expectErrorMessage("boom")
                .verify(WAIT);
        assertThat(fails.state()).isEqualTo(RegistryState.STOPPED);
        awaitBackends(fails.pool(b.name()), 0);

        PoolConfiguration c = PoolFixture.builder("scoped").initialSize(1).build();
        PoolRegistry cancelled = PoolRegistry.builder().required(c).build();
        Disposable work = PoolRegistry.using(cancelled, r -> Mono.never()).subscribe();
        await().atMost(WAIT).until(() -> cancelled.state() == RegistryState.RUNNING);
        work.dispose();
        await().atMost(WAIT).until(() -> cancelled.state() == RegistryState.STOPPED);
        awaitBackends(cancelled.pool(c.name()), 0);
    }

    @Test
    void theShutdownHookIsInstalledAtStartAndRemovedByAnOrdinaryStop() {
        PoolRegistry registry = track(PoolRegistry.builder().required(PoolFixture.builder("hook").build())
                .stopOnJvmShutdown().build());
        Thread hook = registry.shutdownHookThread().orElseThrow();

        registry.start().block(WAIT);
        assertThat(catchAdd(hook)).as("installed").isInstanceOf(IllegalArgumentException.class);

        registry.stop().block(WAIT);
        assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("removed by the stop").isFalse();
    }

    @Test
    void theShutdownHookStopsTheRegistry() {
        PoolConfiguration main = PoolFixture.builder("hook").initialSize(1).build();
        PoolRegistry registry = track(PoolRegistry.builder().required(main).stopOnJvmShutdown()
                .stopTimeout(Duration.ofSeconds(5)).build());
        registry.start().block(WAIT);
        awaitBackends(registry.pool(main.name()), 1);

        // what the JVM does at exit, on this thread
        registry.shutdownHookThread().orElseThrow().run();

        assertThat(registry.state()).isEqualTo(RegistryState.STOPPED);
        awaitBackends(registry.pool(main.name()), 0);
        assertThat(Runtime.getRuntime().removeShutdownHook(registry.shutdownHookThread().orElseThrow())).isFalse();
    }

    @Test
    void withoutOptingInThereIsNoShutdownHook() {
        PoolRegistry registry = track(PoolRegistry.builder().required(PoolFixture.builder("nohook").build()).build());
        assertThat(registry.shutdownHookThread()).isEmpty();
    }

    /** The pool's close has completed; its state turns CLOSED a moment after (the engine sets it last). */
    private static void awaitClosed(TidepoolPool pool) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(pool.state()).as(pool.name()).isEqualTo(PoolState.CLOSED));
    }

    private static Throwable catchAdd(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            Runtime.getRuntime().removeShutdownHook(hook);
            return new AssertionError("the hook was not installed");
        } catch (IllegalArgumentException alreadyRegistered) {
            return alreadyRegistered;
        }
    }
}
