package io.tidepool;

import io.tidepool.pg.PgSession;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

import static io.tidepool.testing.Sql.queryOne;
import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pool over Tidepool's own protocol client ({@code client=native}), on the real server. */
@Timeout(60)
class NativeClientTests extends PoolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aUrlSelectsTheNativeClientAndThePoolWorksOverIt() {
        pool = PoolConfiguration.builder().url(TestDatabase.get().r2dbcUrl("client=native"))
                .name(TestDatabase.uniqueApplicationName("native")).maxSize(4).buildPool();
        assertThat(pool.configuration().client()).isEqualTo(ProtocolClient.NATIVE);
        pool.withConnection(c -> run(c, "CREATE TABLE IF NOT EXISTS native_probe (id int)")).blockLast(WAIT);

        assertThat(pool.withConnection(c -> Mono.just(c instanceof PgSession)).blockLast(WAIT))
                .as("a pooled connection wraps the native client's, not r2dbc-postgresql's").isFalse();
        Long inserted = pool.inTransaction(c -> Flux.from(c.createStatement("INSERT INTO native_probe VALUES ($1)")
                .bind(0, 7).execute()).flatMap(r -> r.getRowsUpdated())).blockLast(WAIT);
        assertThat(inserted).isEqualTo(1L);
        assertThatThrownBy(() -> pool.inTransaction(c -> run(c, "INSERT INTO native_probe VALUES (8)")
                .then(Mono.error(new IllegalStateException("work failed")))).blockLast(WAIT))
                .hasMessageContaining("work failed");
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT count(*)::int FROM native_probe WHERE id = 8",
                Integer.class)).blockLast(WAIT)).as("rolled back").isZero();
        Integer sum = Flux.range(0, 40).flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)), 8)
                .reduce(0, Integer::sum).block(WAIT);
        assertThat(sum).isEqualTo(40);
        PoolFixture.assertNoLeak(pool, 4);
    }

    /** A misspelt client is refused naming the option; a failover URL, once refused on this client, is taken. */
    @Test
    void theClientOptionIsCheckedAndFailoverUrlsAreTaken() {
        PoolConfiguration failover = PoolConfiguration.builder()
                .url("r2dbc:tidepool:postgresql:failover://u:p-Native-5@h1:5432,h2:5432/db?client=native"
                        + "&targetServerType=primary").build();
        assertThat(failover.client()).isEqualTo(ProtocolClient.NATIVE);
        assertThat(failover.followsPrimary()).isTrue();
        assertThat(failover.toString()).doesNotContain("p-Native-5");
        assertThatThrownBy(() -> PoolConfiguration.builder().url(TestDatabase.get().r2dbcUrl("client=nativ")).build())
                .hasMessage("client must be native or r2dbc-postgresql, was 'nativ'");
    }

    @Test
    void anR2dbcPostgresqlOptionTheNativeClientLacksFailsTheBuildNamingItAndWhatToUse() {
        assertThatThrownBy(() -> PoolConfiguration.builder()
                .url("r2dbc:tidepool:postgresql://u:p-Native-6@h/db?client=native&sslPassword=p-Native-6"
                        + "&sslKey=/etc/app/client.key").buildPool())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS client certificates (option sslKey=/etc/app/client.key) is not supported by the "
                        + "native client; use client=r2dbc-postgresql for it")
                .hasMessageNotContaining("p-Native-6");
    }

    @Test
    void theSchemaOptionReachesTheServerThroughThePool() {
        TestDatabase.get().execute("CREATE SCHEMA IF NOT EXISTS tp_native_schema");
        pool = PoolConfiguration.builder().url(TestDatabase.get().r2dbcUrl("client=native&schema=tp_native_schema"))
                .name(TestDatabase.uniqueApplicationName("native-schema")).maxSize(2).buildPool();
        assertThat(pool.withConnection(c -> queryOne(c, "SELECT current_schema()", String.class)).blockLast(WAIT))
                .isEqualTo("tp_native_schema");
        PoolFixture.assertNoLeak(pool, 1);
    }
}
