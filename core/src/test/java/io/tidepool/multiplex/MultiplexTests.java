package io.tidepool.multiplex;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.ProtocolClient;
import io.tidepool.stats.LaneStats;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.tidepool.testing.Sql.backendPid;
import static io.tidepool.testing.Sql.queryOne;
import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The multiplexed lane on real PostgreSQL: many borrowers' auto-commit statements on few server connections, each
 * answered with its own result and error; whatever outlives a statement pins its borrower to a connection of its own.
 */
@Timeout(60)
class MultiplexTests extends PoolTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /**
     * A multiplexing pool of {@code connections} shared connections that does not grow (a loaded test machine can make
     * a connection look held up); the tests of growth set {@code multiplexMaxConnections} themselves.
     */
    static PoolConfiguration.Builder multiplexed(String prefix, int connections) {
        return PoolFixture.builder(prefix).client(ProtocolClient.NATIVE).multiplex(true)
                .multiplexConnections(connections).multiplexMaxConnections(connections).maxSize(4);
    }

    @Test
    void manyBorrowersShareTwoServerConnectionsEachGettingItsOwnAnswer() {
        // a loaded test machine can make a connection look held up: no growth here, the point is the sharing
        pool = multiplexed("lane-share", 2).multiplexMaxConnections(2).buildPool();
        pool.start().block(WAIT);

        List<String> answers = Flux.range(0, 2000)
                .flatMap(i -> pool.withConnection(c -> Flux.from(c.createStatement("SELECT $1::int * 2, pg_backend_pid()")
                                .bind(0, i).execute())
                        .flatMap(r -> r.map((row, meta) -> i + "=" + row.get(0, Integer.class) + "@"
                                + row.get(1, Integer.class)))), 64)
                .collectList().block(WAIT);

        assertThat(answers).hasSize(2000);
        Set<String> pids = new HashSet<>();
        for (String a : answers) {
            int i = Integer.parseInt(a.substring(0, a.indexOf('=')));
            int doubled = Integer.parseInt(a.substring(a.indexOf('=') + 1, a.indexOf('@')));
            assertThat(doubled).as("answer to borrower " + i).isEqualTo(2 * i);
            pids.add(a.substring(a.indexOf('@') + 1));
        }
        assertThat(pids).as("server connections used").hasSize(2);
        LaneStats lane = pool.stats().lane();
        assertThat(lane.connections()).isEqualTo(2);
        assertThat(lane.pinned()).isZero();
        assertThat(pool.stats().allocated()).as("no connection of the pool's own was needed").isZero();
        PoolFixture.awaitBackends(pool, 2);
        PoolFixture.assertNoLeak(pool, 2);
    }

    @Test
    void anErrorStaysWithItsStatementWhileTheOthersInThePipelineSucceed() {
        pool = multiplexed("lane-errors", 1).buildPool();
        pool.start().block(WAIT);

        List<String> outcomes = Flux.range(0, 300)
                .flatMap(i -> pool.withConnection(c -> Flux.from(c.createStatement(
                                        i % 3 == 0 ? "SELECT 1 / (0 * $1::int)" : "SELECT $1::int").bind(0, i).execute())
                                .flatMap(r -> r.map((row, meta) -> "ok " + row.get(0, Integer.class))))
                        .onErrorResume(e -> Mono.just("error " + i + " " + e.getMessage())), 64)
                .collectList().block(WAIT);

        assertThat(outcomes).hasSize(300);
        assertThat(outcomes.stream().filter(o -> o.startsWith("error"))).hasSize(100)
                .allMatch(o -> o.contains("division by zero"));
        assertThat(outcomes.stream().filter(o -> o.startsWith("ok"))).hasSize(200);
        PoolFixture.assertNoLeak(pool, 1);
    }

    @Test
    void aTransactionPinsItsBorrowerToAConnectionOfItsOwn() {
        pool = multiplexed("lane-pin-tx", 1).buildPool();
        pool.start().block(WAIT);
        int lanePid = pool.withConnection(c -> backendPid(c)).blockLast(WAIT);

        List<Integer> pids = pool.withConnection(c -> Flux.concat(
                backendPid(c),
                Mono.from(c.beginTransaction()).then(backendPid(c)),
                run(c, "CREATE TEMP TABLE IF NOT EXISTS pinned_probe (i int) ON COMMIT DROP").then(backendPid(c)),
                Mono.from(c.commitTransaction()).then(backendPid(c)))).collectList().block(WAIT);

        assertThat(pids.get(0)).as("before the transaction: the lane").isEqualTo(lanePid);
        assertThat(pids.subList(1, 4)).as("from BEGIN on: one connection of its own, to the end of the borrowing")
                .doesNotContain(lanePid).containsOnly(pids.get(1));
        assertThat(pool.stats().lane().pinned()).isZero();
        assertThat(pool.stats().lane().pins()).isEqualTo(1);
        PoolFixture.assertNoLeak(pool, 2);
    }

    @Test
    void sessionSqlPinsAndIsUndoneBeforeAnyoneElseSeesIt() {
        pool = multiplexed("lane-pin-set", 1).buildPool();
        pool.start().block(WAIT);
        String before = pool.withConnection(c -> queryOne(c, "SHOW search_path", String.class)).blockLast(WAIT);

        String during = pool.withConnection(c -> run(c, "SET search_path TO pg_catalog")
                .then(queryOne(c, "SHOW search_path", String.class))).blockLast(WAIT);
        assertThat(during).isEqualTo("pg_catalog");

        // the lane never saw the SET, and the pinned connection was reset on its return
        List<String> after = Flux.range(0, 20).flatMap(i -> pool.withConnection(c ->
                queryOne(c, "SHOW search_path", String.class))).collectList().block(WAIT);
        assertThat(after).containsOnly(before);
        // a borrower of create() that pins and closes gives its pinned connection back
        pool.create().flatMap(c -> Mono.from(c.beginTransaction()).then(Mono.from(c.close()))).block(WAIT);
        assertThat(pool.stats().lane().pinned()).isZero();
        assertThat(pool.stats().acquired()).isZero();
        PoolFixture.assertNoLeak(pool, 2);
    }

    @Test
    void sharedConnectionsAreRetiredAtMaxLifetimeOneAtATimeWithoutFailingAStatement() {
        pool = multiplexed("lane-lifetime", 2).multiplexMaxConnections(2).maxLifetime(Duration.ofSeconds(2))
                .buildPool();
        pool.start().block(WAIT);
        Set<Integer> first = new HashSet<>(Flux.range(0, 200).flatMap(i -> pool.withConnection(c -> backendPid(c)), 16)
                .collectList().block(WAIT));
        assertThat(first).hasSize(2);

        // a steady load through the retirements: none of it fails, and the lane ends on two new connections
        Set<Integer> later = new HashSet<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            Set<Integer> now = new HashSet<>(Flux.range(0, 100).flatMap(i -> pool.withConnection(c -> backendPid(c)),
                    16).collectList().block(WAIT));
            later.clear();
            later.addAll(now);
            return now.size() == 2 && java.util.Collections.disjoint(now, first);
        });
        assertThat(pool.stats().lane().connections()).isEqualTo(2);
        PoolFixture.assertNoLeak(pool, 2);
    }

    @Test
    void theR2dbcUrlHandsOutVirtualConnectionsAsSpringWouldUseThem() {
        String name = io.tidepool.testing.TestDatabase.uniqueApplicationName("lane-url");
        String url = io.tidepool.testing.TestDatabase.get().r2dbcUrl("client=native&multiplex=true"
                        + "&multiplexConnections=2&multiplexMaxConnections=2&name=" + name)
                .replace("client=native&client=native", "client=native")
                .replace("r2dbc:postgresql:", "r2dbc:tidepool:postgresql:");
        io.r2dbc.spi.ConnectionFactory factory = io.r2dbc.spi.ConnectionFactories.get(url);
        pool = (io.tidepool.TidepoolPool) factory;

        // what Spring's DatabaseClient does: create, run, close; and its transaction manager: begin, run, commit
        List<Integer> answers = Flux.range(0, 200).flatMap(i -> Flux.usingWhen(factory.create(),
                c -> Flux.from(c.createStatement("SELECT $1::int").bind("$1", i).execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0, Integer.class))),
                Connection::close), 32).collectList().block(WAIT);
        Integer inTx = Flux.usingWhen(factory.create(),
                c -> Mono.from(c.beginTransaction()).then(queryOne(c, "SELECT 7", Integer.class))
                        .flatMap(v -> Mono.from(c.commitTransaction()).thenReturn(v)),
                Connection::close).blockLast(WAIT);

        assertThat(answers).hasSize(200).doesNotHaveDuplicates();
        assertThat(inTx).isEqualTo(7);
        assertThat(pool.configuration().multiplexed()).isTrue();
        assertThat(pool.stats().lane().pins()).isEqualTo(1);
        PoolFixture.assertNoLeak(pool, 3);
    }

    @Test
    void aStatementOfABorrowerThatIsNotPinnedNeverTouchesThePoolsOwnConnections() {
        pool = multiplexed("lane-plain", 2).maxSize(1).buildPool();
        pool.start().block(WAIT);
        Long rows = pool.withConnection(c -> Flux.from(c.createStatement("SELECT generate_series(1, 500)").execute())
                .flatMap(Result::getRowsUpdated)).blockLast(WAIT);
        assertThat(rows).isEqualTo(500);
        assertThat(pool.stats().acquires()).isZero();
    }
}
