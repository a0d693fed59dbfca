package io.tidepool.replica;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.TestDatabase;
import io.tidepool.testing.TestReplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A {@link ReplicaSet} over a real primary and a real hot standby: reads go to the standby, writes to the primary,
 * and a standby whose replay falls behind is taken out of rotation, then put back when it catches up.
 */
@Timeout(90)
class ReplicaSetTests {

    private static TestReplication servers;

    @BeforeAll
    static void servers() {
        servers = TestReplication.start();
        servers.execute(servers.primary(), "CREATE TABLE feed (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())");
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    private static TidepoolPool pool(String prefix, TestReplication.Server server) {
        return PoolConfiguration.builder().url(server.r2dbcUrl(""))
                .name(TestDatabase.uniqueApplicationName(prefix)).maxSize(4).buildPool();
    }

    private static Mono<Integer> port(Connection c) {
        return queryOne(c, "SELECT inet_server_port()", Integer.class);
    }

    private ReplicaSet set(boolean fallback) {
        return ReplicaSet.builder()
                .primary(pool("replica-primary", servers.primary()))
                .standby(pool("replica-standby", servers.standby()))
                .maxLag(Duration.ofMillis(800))
                .lagCheckInterval(Duration.ofMillis(200))
                // generous: a check that times out takes the standby out, and the test machine is shared
                .lagCheckTimeout(Duration.ofSeconds(5))
                .fallbackToPrimary(fallback)
                .build();
    }

    @Test
    void readsGoToTheStandbyAndTakeItOutOfRotationWhenItFallsBehind() {
        ReplicaSet set = set(true);
        Disposable writes = null;
        try {
            set.start().block(Duration.ofSeconds(30));
            assertThat(set.status()).singleElement().satisfies(s -> {
                assertThat(s.inRotation()).isTrue();
                assertThat(s.inRecovery()).isTrue();
                assertThat(s.lag()).isPresent();
            });
            assertThat(Flux.range(0, 6).flatMap(i -> set.withReadOnly(ReplicaSetTests::port)).collectList()
                    .block(Duration.ofSeconds(10))).containsOnly(servers.standby().port());
            assertThat(set.inTransaction(ReplicaSetTests::port).blockLast(Duration.ofSeconds(10)))
                    .isEqualTo(servers.primary().port());
            // a write on the standby is refused by the server: read-only work must only read
            assertThat(set.withReadOnly(c -> Flux.from(c.createStatement("INSERT INTO feed DEFAULT VALUES")
                            .execute()).flatMap(Result::getRowsUpdated)).then().map(v -> "")
                    .onErrorResume(e -> Mono.just(String.valueOf(io.tidepool.error.ErrorClassifier.sqlState(e))))
                    .block(Duration.ofSeconds(10))).isEqualTo("25006");

            // the standby keeps receiving WAL but stops replaying it: its lag grows while the primary writes
            servers.execute(servers.standby(), "SELECT pg_wal_replay_pause()");
            writes = Flux.interval(Duration.ofMillis(50))
                    .concatMap(t -> set.withConnection(c -> Flux.from(c.createStatement(
                            "INSERT INTO feed DEFAULT VALUES").execute()).flatMap(Result::getRowsUpdated)))
                    .subscribe();
            await().atMost(Duration.ofSeconds(15)).until(() -> !set.status().get(0).inRotation());
            ReplicaStatus behind = set.status().get(0);
            assertThat(behind.lag().orElseThrow()).isGreaterThan(set.maxLag());
            System.out.printf("replica out of rotation at %d ms behind (maxLag %d ms)%n",
                    behind.lag().orElseThrow().toMillis(), set.maxLag().toMillis());
            // reads fall back to the primary meanwhile
            assertThat(Flux.range(0, 4).flatMap(i -> set.withReadOnly(ReplicaSetTests::port)).collectList()
                    .block(Duration.ofSeconds(10))).containsOnly(servers.primary().port());

            servers.execute(servers.standby(), "SELECT pg_wal_replay_resume()");
            await().atMost(Duration.ofSeconds(15)).until(() -> set.status().get(0).inRotation());
            assertThat(set.status().get(0).lag().orElseThrow()).isLessThanOrEqualTo(set.maxLag());
            assertThat(Flux.range(0, 4).flatMap(i -> set.withReadOnly(ReplicaSetTests::port)).collectList()
                    .block(Duration.ofSeconds(10))).containsOnly(servers.standby().port());
        } finally {
            if (writes != null) {
                writes.dispose();
            }
            servers.execute(servers.standby(), "SELECT pg_wal_replay_resume()");
            set.close().block(Duration.ofSeconds(45));
        }
        for (TidepoolPool p : List.of(set.primary(), set.standbys().get(0))) {
            assertThat(p.stats().acquired()).isZero();
        }
        assertThat(servers.backends(servers.primary(), set.primary().name()).total()).isZero();
        assertThat(servers.backends(servers.standby(), set.standbys().get(0).name()).total()).isZero();
    }

    @Test
    void withoutFallbackNoReplicaFailsClearly() {
        ReplicaSet set = ReplicaSet.builder()
                .primary(pool("replica-primary", servers.primary()))
                // nothing listens there: its lag check fails, so it is never in rotation
                .standby(PoolConfiguration.builder().url("r2dbc:postgresql://postgres@127.0.0.1:1/postgres")
                        .name(TestDatabase.uniqueApplicationName("replica-gone")).createTimeout(Duration.ofMillis(500))
                        .acquireTimeout(Duration.ofSeconds(1)).buildPool())
                .fallbackToPrimary(false)
                .build();
        try {
            set.checkAll().block(Duration.ofSeconds(10));
            assertThat(set.status().get(0).inRotation()).isFalse();
            assertThat(set.status().get(0).error()).isPresent();
            assertThatThrownBy(() -> set.withReadOnly(ReplicaSetTests::port).blockLast(Duration.ofSeconds(10)))
                    .isInstanceOf(NoReplicaAvailableException.class)
                    .hasMessage("no replica in rotation: each of 1 standbys is more than maxLag (10000 ms) behind or "
                            + "failed its lag check, and fallbackToPrimary is off");
        } finally {
            set.close().block(Duration.ofSeconds(45));
        }
    }

    @Test
    void builderRules() {
        TidepoolPool a = pool("replica-rule", servers.primary());
        try {
            assertThatThrownBy(() -> ReplicaSet.builder().standby(a).build())
                    .hasMessage("primary must be set, was not set");
            assertThatThrownBy(() -> ReplicaSet.builder().primary(a).build())
                    .hasMessage("standby must be given at least once, was not given");
            assertThatThrownBy(() -> ReplicaSet.builder().primary(a).standby(a).build())
                    .hasMessage("standby names must differ from the primary's, was '" + a.name() + "'");
            assertThatThrownBy(() -> ReplicaSet.builder().maxLag(Duration.ZERO))
                    .hasMessage("maxLag must be positive, was PT0S");
        } finally {
            a.close().block(Duration.ofSeconds(10));
        }
    }
}
