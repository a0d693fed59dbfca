package io.tidepool.scale;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.PoolListener;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.TestDatabase;
import io.tidepool.testing.TestReplication;
import io.tidepool.testing.TestReplication.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real primary and a real hot standby (synchronous streaming replication), and a pool on a failover URL that names
 * both: each new connection goes to the host with the right role, and when the primary dies and the standby is
 * promoted under a write load, the pool retires its connections once and writes again within moments.
 */
@Timeout(90)
class FailoverTests {

    private TestReplication servers;
    private TidepoolPool pool;

    @BeforeEach
    void servers() {
        servers = TestReplication.start();
        servers.execute(servers.primary(), "CREATE TABLE ledger (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())");
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close().block(Duration.ofSeconds(45));
        }
        servers.close();
    }

    private String hosts(Server... list) {
        StringBuilder b = new StringBuilder();
        for (Server s : list) {
            b.append(b.length() == 0 ? "" : ",").append(s.hostAndPort());
        }
        return b.toString();
    }

    private static Mono<Integer> serverPort(Connection c) {
        return queryOne(c, "SELECT inet_server_port()", Integer.class);
    }

    @Test
    void eachConnectionGoesToAHostWithTheRoleAsked() {
        Server primary = servers.primary();
        Server standby = servers.standby();
        // the standby first: the driver checks each host's role, it does not take the first that answers
        TidepoolPool writer = PoolConfiguration.builder()
                .url(TestDatabase.withTestClient("r2dbc:tidepool:postgresql:failover://postgres@" + hosts(standby, primary)
                        + "/postgres?targetServerType=primary"))
                .name(TestDatabase.uniqueApplicationName("failover-role")).maxSize(6)
                // generous: the test machine is shared, and only where connections go is under test here
                .createTimeout(Duration.ofSeconds(15)).acquireTimeout(Duration.ofSeconds(30)).buildPool();
        TidepoolPool reader = PoolConfiguration.builder()
                .url(TestDatabase.withTestClient("r2dbc:postgresql:failover://postgres@" + hosts(primary, standby)
                        + "/postgres?targetServerType=standby"))
                .name(TestDatabase.uniqueApplicationName("failover-standby")).maxSize(6)
                .createTimeout(Duration.ofSeconds(15)).acquireTimeout(Duration.ofSeconds(30)).buildPool();
        // r2dbc-pool's form with one word changed, through R2DBC's own discovery
        ConnectionFactory discovered = ConnectionFactories.get(TestDatabase.withTestClient(
                "r2dbc:tidepool:postgresql:failover://postgres@" + hosts(standby, primary)
                        + "/postgres?targetServerType=primary&maxSize=3&createTimeout=15s&acquireTimeout=30s"));
        try {
            assertThat(ports(writer)).containsOnly(primary.port());
            assertThat(ports(reader)).containsOnly(standby.port());
            assertThat(ports((TidepoolPool) discovered)).containsOnly(primary.port());
            assertThat(writer.configuration().target()).isEqualTo("postgresql://postgres@" + hosts(standby, primary)
                    + "/postgres");
        } finally {
            writer.close().block(Duration.ofSeconds(30));
            reader.close().block(Duration.ofSeconds(30));
            ((TidepoolPool) discovered).close().block(Duration.ofSeconds(30));
        }
    }

    /** The server port of each of {@code maxSize} connections held at once. */
    private static List<Integer> ports(TidepoolPool pool) {
        int n = pool.configuration().maxSize();
        return Flux.range(0, n)
                .flatMap(i -> pool.withConnection(c -> serverPort(c).delayElement(Duration.ofMillis(200))), n)
                .collectList().block(Duration.ofSeconds(30));
    }

    @Test
    void primaryCrashAndPromotionUnderWriteLoad() {
        Outcome outcome = underWriteLoad(() -> servers.crash(servers.primary()));
        // the first failures are broken connections (or a connect refused)
        assertThat(outcome.failovers()).hasSize(1);
    }

    /**
     * A primary that stays up but turns read-only (as a demoted primary does; here {@code
     * default_transaction_read_only}) fails writes with 25006 on every connection: one evict, and new connections
     * go to the promoted standby.
     */
    @Test
    void readOnlyPrimaryAndPromotionUnderWriteLoad() {
        Outcome outcome = underWriteLoad(() -> {
            servers.execute(servers.primary(), "ALTER SYSTEM SET default_transaction_read_only = on");
            servers.execute(servers.primary(), "SELECT pg_reload_conf()");
        });
        assertThat(outcome.failovers()).hasSize(1);
        assertThat(io.tidepool.error.ErrorClassifier.sqlState(outcome.failovers().get(0))).isEqualTo("25006");
    }

    record Outcome(List<Throwable> failovers) {
    }

    /** Writes with 8 workers; does {@code fault} to the primary, promotes the standby, measures, checks. */
    private Outcome underWriteLoad(Runnable fault) {
        Server primary = servers.primary();
        Server standby = servers.standby();
        pool = PoolConfiguration.builder()
                .url(TestDatabase.withTestClient("r2dbc:tidepool:postgresql:failover://postgres@" + hosts(primary, standby)
                        + "/postgres?targetServerType=primary"))
                .name(TestDatabase.uniqueApplicationName("failover-load"))
                .maxSize(8)
                .acquireTimeout(Duration.ofSeconds(5))
                .createTimeout(Duration.ofSeconds(3))
                .buildPool();
        Queue<Throwable> failovers = new ConcurrentLinkedQueue<>();
        pool.addListener(new PoolListener() {
            @Override
            public void failoverDetected(String name, Throwable cause) {
                failovers.add(cause);
            }
        });
        pool.start().block(Duration.ofSeconds(20));

        Set<Long> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicLong ids = new AtomicLong();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong longestMillis = new AtomicLong();
        AtomicLong promotedAt = new AtomicLong();
        AtomicLong firstWriteAfterPromotion = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Disposable load = Flux.range(0, 8)
                .flatMap(worker -> Mono.defer(() -> {
                            long id = ids.incrementAndGet();
                            long began = System.nanoTime();
                            return pool.withConnection(c -> Flux.from(c.createStatement(
                                            "INSERT INTO ledger (id) VALUES ($1)").bind("$1", id).execute())
                                            .flatMap(Result::getRowsUpdated))
                                    .then()
                                    .doOnSuccess(v -> {
                                        long now = System.nanoTime();
                                        acknowledged.add(id);
                                        if (promotedAt.get() != 0) {
                                            firstWriteAfterPromotion.compareAndSet(0, now);
                                        }
                                    })
                                    .onErrorResume(e -> {
                                        failed.incrementAndGet();
                                        // a failed write backs off a little, as a service's retry would
                                        return Mono.delay(Duration.ofMillis(10)).then();
                                    })
                                    .doFinally(sig -> longestMillis.accumulateAndGet(
                                            (System.nanoTime() - began) / 1_000_000, Math::max));
                        })
                        .repeat(() -> !stop.get()), 8)
                .subscribe();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 300);
            int beforeFault = acknowledged.size();
            long faultAt = System.nanoTime();
            fault.run();
            long promoteStart = System.nanoTime();
            servers.promote(standby);
            promotedAt.set(System.nanoTime());
            await().atMost(Duration.ofSeconds(20)).until(() -> firstWriteAfterPromotion.get() != 0);
            int atFirstWrite = acknowledged.size();
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= atFirstWrite + 300);
            stop.set(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().acquired() == 0
                    && pool.stats().pending() == 0);

            long promoteMillis = (promotedAt.get() - promoteStart) / 1_000_000;
            long toFirstWriteMillis = (firstWriteAfterPromotion.get() - promotedAt.get()) / 1_000_000;
            long outageMillis = (firstWriteAfterPromotion.get() - faultAt) / 1_000_000;
            // every acknowledged row is on the new primary
            Set<Long> stored = new HashSet<>();
            for (Map<String, Object> row : servers.query(standby, "SELECT id FROM ledger")) {
                stored.add(((Number) row.get("id")).longValue());
            }
            Set<Long> lost = new HashSet<>(acknowledged);
            lost.removeAll(stored);
            System.out.printf("failover (client %s): %d rows acknowledged before the fault, %d in all, %d lost; pg_ctl promote "
                            + "took %d ms; first write %d ms after promote returned (%d ms after the fault); %d writes "
                            + "failed; longest write %d ms; failover evictions %d (%s); connections opened %d%n",
                    pool.configuration().client().urlValue(), beforeFault, acknowledged.size(), lost.size(),
                    promoteMillis, toFirstWriteMillis, outageMillis,
                    failed.get(), longestMillis.get(), failovers.size(),
                    failovers.isEmpty() ? "" : failovers.peek().toString(), pool.stats().creates());

            assertThat(lost).as("acknowledged rows missing on the new primary").isEmpty();
            // within seconds (typically tens of ms here; the bound leaves room for a shared, loaded machine)
            assertThat(toFirstWriteMillis).as("ms from promotion to the first write").isLessThan(10_000);
            // no request hangs: each ends within acquireTimeout plus a connect attempt
            assertThat(longestMillis.get()).as("longest write, ms").isLessThan(10_000);
            // everything now goes to the new primary, and nothing is left borrowed or in a transaction
            assertThat(ports(pool)).containsOnly(standby.port());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                TestDatabase.ServerBackends backends = servers.backends(standby, pool.name());
                assertThat(backends.total()).isLessThanOrEqualTo(8);
                assertThat(backends.idleInTransaction()).isZero();
            });
            return new Outcome(List.copyOf(failovers));
        } finally {
            stop.set(true);
            load.dispose();
        }
    }
}
