package io.tidepool;

import io.tidepool.testing.Sql;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestDatabase;
import io.tidepool.test.VirtualTimePoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The background ping of idle connections, on virtual time and a manual clock, against the real server. */
@Timeout(60)
class KeepaliveTests extends VirtualTimePoolTest {

    @Test
    void idleConnectionsKilledOnTheServerAreFoundAndReplacedWithoutABorrower() {
        pool = PoolFixture.builder("keepalive-dead").maxSize(3).minIdle(2).keepaliveTime(Duration.ofSeconds(60))
                .clock(clock).scheduler(scheduler).buildPool();
        pool.start().block(Duration.ofSeconds(10));
        List<Object> before = pids();
        assertThat(TestDatabase.get().terminate(pool.name())).isEqualTo(2);

        elapse(Duration.ofSeconds(30));
        assertThat(pool.stats().validationFailures()).as("not due yet: unchecked for 30 s of 60").isZero();

        elapse(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(pool.stats().validationFailures()).as("both dead ones found").isEqualTo(2);
            assertThat(pool.stats().allocated()).as("minIdle refilled").isEqualTo(2);
        });
        assertThat(pool.stats().acquires()).as("no borrower was involved").isZero();
        PoolFixture.awaitBackends(pool, 2);
        assertThat(pids()).doesNotContainAnyElementsOf(before);
        assertNoLeak(pool, 2);
    }

    /**
     * A minIdle refill that runs while a keepalive pass holds the idle connections for their pings counts them idle:
     * it once counted them borrowed and opened as many again (seen as 3 of maxSize 3 open for minIdle 2). The pings
     * are held on an advisory lock the test owns, so the refill surely runs mid-pass.
     */
    @Test
    void aRefillDuringAKeepalivePassOpensNothingMore() throws Exception {
        TestDatabase db = TestDatabase.get();
        try (java.sql.Connection holder = java.sql.DriverManager.getConnection("jdbc:postgresql://" + db.host() + ":"
                + db.port() + "/" + db.database(), db.user(), db.password());
             java.sql.Statement lock = holder.createStatement()) {
            pool = PoolFixture.builder("keepalive-refill").maxSize(3).minIdle(2).keepaliveTime(Duration.ofSeconds(60))
                    .evictionInterval(Duration.ofSeconds(1)).validationQuery("SELECT pg_advisory_xact_lock_shared(7401)")
                    .validateAfterIdle(Duration.ofSeconds(30)).validationTimeout(Duration.ofSeconds(10))
                    .acquireTimeout(Duration.ofSeconds(20)).clock(clock).scheduler(scheduler).buildPool();
            pool.start().block(Duration.ofSeconds(10));
            lock.execute("SELECT pg_advisory_lock(7401)");

            elapse(Duration.ofSeconds(30));
            clock.advance(Duration.ofSeconds(30));
            scheduler.advanceTimeBy(Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(pool.stats().acquired()).as("both held by the pass, their pings waiting").isEqualTo(2));
            scheduler.advanceTimeBy(Duration.ofSeconds(2));
            assertThat(pool.stats().allocated()).as("the refill mid-pass opened nothing").isEqualTo(2);

            lock.execute("SELECT pg_advisory_unlock(7401)");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(pool.stats().acquired()).as("the pass is over").isZero());
            assertThat(pool.stats().allocated()).isEqualTo(2);
            assertThat(pool.stats().creates()).as("no connection opened beyond the first two").isEqualTo(2);
            assertThat(pool.stats().validationFailures()).isZero();
        }
    }

    @Test
    void pingsDoNotKeepAnUnusedConnectionFromIdleEviction() {
        pool = PoolFixture.builder("keepalive-evict").maxSize(2).keepaliveTime(Duration.ofSeconds(20))
                .maxIdleTime(Duration.ofSeconds(60)).evictionInterval(Duration.ofSeconds(10))
                .clock(clock).scheduler(scheduler).buildPool();
        Integer pid = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        Map<Integer, String> lastQuery = PoolFixture.lastQueries(pool);
        assertThat(lastQuery).containsOnlyKeys(pid);

        for (int second = 10; second <= 50; second += 10) {
            elapse(Duration.ofSeconds(10));
        }
        assertThat(pool.stats().allocated()).as("pinged, still open at 50 s").isEqualTo(1);
        assertThat(PoolFixture.lastQueries(pool)).as("the server saw the pings").containsOnlyKeys(pid)
                .doesNotContainEntry(pid, lastQuery.get(pid));

        elapse(Duration.ofSeconds(10));
        elapse(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().allocated() == 0);
        PoolFixture.awaitBackends(pool, 0);
        assertThat(pool.stats().validationFailures()).isZero();
    }

    @Test
    void passesRunningUnderLoadLoseNothingAndFailNoBorrower() {
        // real time: a pass every 500 ms while two callers keep two connections busy and the rest sit idle
        pool = PoolFixture.builder("keepalive-load").maxSize(6).initialSize(6).keepaliveTime(Duration.ofSeconds(1))
                .buildPool();
        pool.start().block(Duration.ofSeconds(10));

        long served = Flux.range(0, 4000)
                .flatMap(i -> pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)), 2)
                .count()
                .block(Duration.ofSeconds(45));

        assertThat(served).isEqualTo(4000);
        assertThat(pool.stats().validationFailures()).isZero();
        assertNoLeak(pool, 6);
    }

    private List<Object> pids() {
        return TestDatabase.get().query("SELECT pid FROM pg_stat_activity WHERE application_name = '" + pool.name()
                + "'").stream().map(row -> row.get("pid")).toList();
    }
}
