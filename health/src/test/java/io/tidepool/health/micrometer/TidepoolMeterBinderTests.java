package io.tidepool.health.micrometer;

import io.tidepool.testing.Sql;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.health.HealthTestPools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class TidepoolMeterBinderTests {

    /** The exact meters one pool publishes, as {@code name{tag=value,...}} with the pool tag shown as {@code P}. */
    static final List<String> INVENTORY = List.of(
            "db.client.connection.count{db.client.connection.pool.name=P,db.client.connection.state=idle}",
            "db.client.connection.count{db.client.connection.pool.name=P,db.client.connection.state=used}",
            "db.client.connection.idle.max{db.client.connection.pool.name=P}",
            "db.client.connection.idle.min{db.client.connection.pool.name=P}",
            "db.client.connection.max{db.client.connection.pool.name=P}",
            "db.client.connection.pending_requests{db.client.connection.pool.name=P}",
            "db.client.connection.timeouts{db.client.connection.pool.name=P}",
            "db.client.connection.create_time{db.client.connection.pool.name=P}",
            "db.client.connection.wait_time{db.client.connection.pool.name=P}",
            "db.client.connection.use_time{db.client.connection.pool.name=P}",
            "tidepool.connection.leaks{db.client.connection.pool.name=P}",
            "tidepool.connection.validation.failures{db.client.connection.pool.name=P}",
            "tidepool.connection.discards{db.client.connection.pool.name=P}",
            "tidepool.connection.errors{category=auth,db.client.connection.pool.name=P}",
            "tidepool.connection.errors{category=connection,db.client.connection.pool.name=P}",
            "tidepool.connection.errors{category=other,db.client.connection.pool.name=P}",
            "tidepool.connection.errors{category=pool_exhausted,db.client.connection.pool.name=P}",
            "tidepool.connection.errors{category=timeout,db.client.connection.pool.name=P}");

    @Test
    void theInventoryOfNamesAndTagsIsExactlyThis() {
        TidepoolPool pool = HealthTestPools.builder("meters-inventory").buildPool();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool)) {
            binder.bindTo(registry);

            assertThat(registry.getMeters()).extracting(m -> describe(m, pool.name()))
                    .containsExactlyInAnyOrderElementsOf(INVENTORY);
            assertThat(registry.getMeters()).allSatisfy(m -> {
                assertThat(m.getId().getDescription()).as("description of " + m.getId()).isNotBlank();
                assertThat(m.getId().getBaseUnit()).as("base unit of " + m.getId()).isNotBlank();
            });
            // every meter but the two that need a health check (serverFrom) and the lane's (a multiplexing pool's)
            assertThat(java.util.Arrays.stream(TidepoolMeters.values())
                    .filter(m -> m != TidepoolMeters.SERVER_SHARE && m != TidepoolMeters.SERVER_HEADROOM)
                    .map(TidepoolMeters::meterName)
                    .filter(name -> !name.startsWith("tidepool.lane.")))
                    .containsExactlyInAnyOrderElementsOf(INVENTORY.stream().map(s -> s.substring(0, s.indexOf('{')))
                            .collect(Collectors.toSet()));
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    /** The lane's own meters, only for a pool that multiplexes: they read its stats. */
    static final List<String> LANE_INVENTORY = List.of(
            "tidepool.lane.connections{db.client.connection.pool.name=P}",
            "tidepool.lane.statements.in_flight{db.client.connection.pool.name=P}",
            "tidepool.lane.statements.in_flight.max{db.client.connection.pool.name=P}",
            "tidepool.lane.statements.waiting{db.client.connection.pool.name=P}",
            "tidepool.lane.pinned{db.client.connection.pool.name=P}",
            "tidepool.lane.pins{db.client.connection.pool.name=P}");

    @Test
    void aMultiplexingPoolAlsoPublishesItsLane() {
        TidepoolPool pool = HealthTestPools.builder("meters-lane").client(io.tidepool.ProtocolClient.NATIVE)
                .multiplex(true).multiplexConnections(2).multiplexMaxConnections(2).buildPool();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool)) {
            binder.bindTo(registry);
            pool.start().block(Duration.ofSeconds(20));
            pool.inTransaction(c -> reactor.core.publisher.Mono.just(1)).blockLast(Duration.ofSeconds(20));
            pool.withConnection(c -> c.beginTransaction()).blockLast(Duration.ofSeconds(20));

            List<String> all = new java.util.ArrayList<>(INVENTORY);
            all.addAll(LANE_INVENTORY);
            assertThat(registry.getMeters()).extracting(m -> describe(m, pool.name()))
                    .containsExactlyInAnyOrderElementsOf(all);
            assertThat(registry.get("tidepool.lane.connections").gauge().value()).isEqualTo(2);
            assertThat(registry.get("tidepool.lane.statements.in_flight").gauge().value()).isZero();
            assertThat(registry.get("tidepool.lane.pinned").gauge().value()).isZero();
            assertThat(registry.get("tidepool.lane.pins").functionCounter().count())
                    .as("the borrower that began a transaction pinned").isEqualTo(1);
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void aSecondPoolWithTheSameNameIsRefusedRatherThanGivenTheFirstPoolsMeters() {
        String name = io.tidepool.testing.TestDatabase.uniqueApplicationName("twin");
        TidepoolPool first = HealthTestPools.builder("twin").name(name).buildPool();
        TidepoolPool second = HealthTestPools.builder("twin").name(name).buildPool();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TidepoolMeterBinder one = TidepoolMeterBinder.of(first);
             TidepoolMeterBinder two = TidepoolMeterBinder.of(second)) {
            one.bindTo(registry);
            one.bindTo(new SimpleMeterRegistry());
            int meters = registry.getMeters().size();

            assertThatThrownBy(() -> two.bindTo(registry))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("pool '" + name + "': another pool's meters with the same name")
                    .hasMessageContaining("give each pool its own name");
            assertThat(registry.getMeters()).hasSize(meters);
            // a distinct tag tells them apart
            try (TidepoolMeterBinder tagged = TidepoolMeterBinder.builder(second)
                    .tags(io.micrometer.core.instrument.Tags.of("shard", "b")).build()) {
                tagged.bindTo(registry);
                assertThat(registry.getMeters()).hasSize(meters * 2);
            }
        } finally {
            first.close().block(Duration.ofSeconds(30));
            second.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void theMetersFollowThePool() {
        TidepoolPool pool = HealthTestPools.builder("meters-values").maxSize(3).minIdle(0).buildPool();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool)) {
            binder.bindTo(registry);

            StepVerifier.create(pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)))
                    .expectNext(1).verifyComplete();
            StepVerifier.create(pool.withConnection(c -> Sql.run(c, "SELECT * FROM no_such_table")))
                    .expectError().verify(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(registry.get("db.client.connection.create_time").timer().count()).isEqualTo(1);
                assertThat(registry.get("db.client.connection.wait_time").timer().count()).isEqualTo(2);
                assertThat(registry.get("db.client.connection.use_time").timer().count()).isEqualTo(2);
            });
            assertThat(registry.get("db.client.connection.count").tag("db.client.connection.state", "idle")
                    .gauge().value()).isEqualTo(1);
            assertThat(registry.get("db.client.connection.count").tag("db.client.connection.state", "used")
                    .gauge().value()).isZero();
            assertThat(registry.get("db.client.connection.max").gauge().value()).isEqualTo(3);
            assertThat(registry.get("db.client.connection.idle.max").gauge().value()).isEqualTo(3);
            assertThat(registry.get("db.client.connection.idle.min").gauge().value()).isZero();
            assertThat(registry.get("db.client.connection.pending_requests").gauge().value()).isZero();
            assertThat(registry.get("tidepool.connection.errors").tag("category", "other").counter().count())
                    .isEqualTo(1);
            assertThat(registry.get("tidepool.connection.leaks").functionCounter().count()).isZero();
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void errorsAreCountedByThePoolsOwnClassifierNotTheDefaultTable() {
        // this service counts a missing table as a timeout; the default table says "other"
        TidepoolPool pool = HealthTestPools.builder("meters-classifier")
                .errorClassifier(ErrorClassifier.defaults().withSqlState("42P01", ErrorCategory.TIMEOUT))
                .buildPool();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool)) {
            binder.bindTo(registry);

            StepVerifier.create(pool.withConnection(c -> Sql.run(c, "SELECT * FROM no_such_table")))
                    .expectError().verify(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(registry.get("tidepool.connection.errors").tag("category", "timeout").counter()
                            .count()).isEqualTo(1));
            assertThat(registry.get("tidepool.connection.errors").tag("category", "other").counter().count())
                    .isZero();
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void aFailedOpenIsCountedOnceAsAConnectionError() {
        TidepoolPool pool = HealthTestPools.unreachable("meters-unreachable").buildPool();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool)) {
            binder.bindTo(registry);

            StepVerifier.create(pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)))
                    .expectError().verify(Duration.ofSeconds(10));

            assertThat(registry.get("tidepool.connection.errors").tag("category", "connection").counter().count())
                    .isEqualTo(1);
            assertThat(registry.find("tidepool.connection.errors").counters())
                    .filteredOn(c -> !"connection".equals(c.getId().getTag("category")))
                    .allSatisfy(c -> assertThat(c.count()).isZero());
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void closeRemovesEveryMeterFromEveryRegistry() {
        TidepoolPool pool = HealthTestPools.builder("meters-close").buildPool();
        MeterRegistry first = new SimpleMeterRegistry();
        MeterRegistry second = new SimpleMeterRegistry();
        TidepoolMeterBinder binder = TidepoolMeterBinder.builder(pool).tags(List.of(Tag.of("service", "orders")))
                .build();
        try {
            binder.bindTo(first);
            binder.bindTo(second);
            assertThat(first.getMeters()).hasSize(INVENTORY.size())
                    .allSatisfy(m -> assertThat(m.getId().getTag("service")).isEqualTo("orders"));
            assertThat(second.getMeters()).hasSize(INVENTORY.size());

            binder.close();
            binder.close();

            assertThat(first.getMeters()).isEmpty();
            assertThat(second.getMeters()).isEmpty();
            // the listener is gone too: activity after close records nothing anywhere
            StepVerifier.create(pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)))
                    .expectNext(1).verifyComplete();
            assertThat(first.getMeters()).isEmpty();
        } finally {
            binder.close();
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void prometheusNamesAreTheOnesTheDashboardUses() {
        TidepoolPool pool = HealthTestPools.builder("meters-prometheus").buildPool();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool)) {
            binder.bindTo(registry);

            Set<String> names = PrometheusNames.of(registry.scrape());

            assertThat(names).contains(
                    "db_client_connection_count_connections",
                    "db_client_connection_max_connections",
                    "db_client_connection_idle_max_connections",
                    "db_client_connection_idle_min_connections",
                    "db_client_connection_pending_requests",
                    "db_client_connection_timeouts_total",
                    "db_client_connection_wait_time_seconds_bucket",
                    "db_client_connection_wait_time_seconds_count",
                    "db_client_connection_use_time_seconds_bucket",
                    "db_client_connection_create_time_seconds_bucket",
                    "tidepool_connection_leaks_total",
                    "tidepool_connection_validation_failures_total",
                    "tidepool_connection_discards_total",
                    "tidepool_connection_errors_total");
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    /**
     * The pool's share of the real server's max_connections and the server's headroom, from the health check's
     * latest reading: NaN before the check has read the server, then what it read (and what the server says).
     */
    @Test
    void theServerShareAndHeadroomAreTheHealthChecksReading() {
        TidepoolPool pool = HealthTestPools.builder("meters-server").maxSize(4).buildPool();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        io.tidepool.health.PoolHealthCheck check = HealthTestPools.check(pool);
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.builder(pool).serverFrom(check).build()) {
            binder.bindTo(registry);
            assertThat(gauge(registry, TidepoolMeters.SERVER_SHARE, pool)).isNaN();
            assertThat(gauge(registry, TidepoolMeters.SERVER_HEADROOM, pool)).isNaN();

            io.tidepool.health.PoolHealth health = check.check().block(Duration.ofSeconds(20));
            int maxConnections = Integer.parseInt(io.tidepool.testing.TestDatabase.get()
                    .query("SHOW max_connections").get(0).get("max_connections").toString());
            io.tidepool.health.PoolHealth.ServerHeadroom read = health.server().orElseThrow();
            assertThat(read.maxConnections()).isEqualTo(maxConnections);
            assertThat(gauge(registry, TidepoolMeters.SERVER_SHARE, pool)).isEqualTo(4.0 / maxConnections)
                    .isEqualTo(health.serverShare().orElseThrow());
            assertThat(gauge(registry, TidepoolMeters.SERVER_HEADROOM, pool))
                    .isEqualTo(maxConnections - read.backends())
                    // the probe's own backend is one of those the server counted
                    .isLessThan(maxConnections);
            assertThat(PrometheusNames.of(registry.scrape())).contains("tidepool_connection_server_share_ratio",
                    "tidepool_connection_server_headroom_connections");
        } finally {
            check.close();
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void theServerGaugesTakeOnlyACheckOfTheirOwnPool() {
        TidepoolPool pool = HealthTestPools.builder("meters-own").buildPool();
        TidepoolPool other = HealthTestPools.builder("meters-other").buildPool();
        io.tidepool.health.PoolHealthCheck check = HealthTestPools.check(other);
        try {
            assertThatThrownBy(() -> TidepoolMeterBinder.builder(pool).serverFrom(check))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("serverFrom must be a check of pool '" + pool.name() + "', was a check of pool '"
                            + other.name() + "'");
        } finally {
            check.close();
            pool.close().block(Duration.ofSeconds(30));
            other.close().block(Duration.ofSeconds(30));
        }
    }

    private static double gauge(MeterRegistry registry, TidepoolMeters meter, TidepoolPool pool) {
        return registry.get(meter.meterName()).tag(TidepoolMeters.POOL_NAME, pool.name()).gauge().value();
    }

    static String describe(Meter meter, String poolName) {
        return meter.getId().getName() + meter.getId().getTags().stream()
                .map(t -> t.getKey() + "=" + (t.getValue().equals(poolName) ? "P" : t.getValue()))
                .sorted()
                .collect(Collectors.joining(",", "{", "}"));
    }
}
