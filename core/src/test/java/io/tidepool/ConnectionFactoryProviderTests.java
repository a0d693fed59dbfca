package io.tidepool;

import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.Sql;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The R2DBC front door: {@code r2dbc:tidepool:postgresql://...} gives a pool that frameworks use unchanged. */
@Timeout(60)
class ConnectionFactoryProviderTests {

    @Test
    void theTidepoolDriverGivesAPoolConfiguredByTheUrl() {
        TestDatabase db = TestDatabase.get();
        String name = TestDatabase.uniqueApplicationName("provider");
        String url = "r2dbc:tidepool:postgresql://" + db.user() + ":" + db.password() + "@" + db.host() + ":"
                + db.port() + "/" + db.database() + "?maxSize=3&acquireTimeout=PT2S&poolName=" + name;

        ConnectionFactory factory = ConnectionFactories.get(url);

        assertThat(factory).isInstanceOf(TidepoolPool.class);
        TidepoolPool pool = (TidepoolPool) factory;
        try {
            assertThat(pool.configuration().maxSize()).isEqualTo(3);
            assertThat(pool.configuration().acquireTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(pool.toString()).doesNotContain(db.password());

            // the way a framework uses a ConnectionFactory: create, use, close
            Integer pid = Flux.usingWhen(factory.create(), Sql::backendPid, c -> c.close())
                    .blockLast(Duration.ofSeconds(10));
            assertThat(pid).isPositive();
            assertThat(pool.stats().acquired()).isZero();
            assertThat(pool.stats().idle()).isEqualTo(1);
            PoolFixture.assertNoLeak(pool, 1);
        } finally {
            Mono.from(pool.close()).block(Duration.ofSeconds(30));
        }
        ServerChecks.awaitBackends(name, 0);
    }
}
