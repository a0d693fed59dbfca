package io.tidepool.tck;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.PoolConfiguration;
import io.tidepool.ProtocolClient;
import io.tidepool.TidepoolPool;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.PostgresTestKit;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The R2DBC SPI TCK (r2dbc-spi-test) with a Tidepool pool as its {@link ConnectionFactory}: every connection the TCK
 * opens is a borrowing, every {@code close()} a return. A subclass names the protocol client under the pool.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PoolTck implements PostgresTestKit {

    private final TidepoolPool pool;
    private final JdbcTemplate jdbc;

    PoolTck(ProtocolClient client) {
        this(client, "");
    }

    /** With more URL options ({@code &key=value...}), e.g. the multiplexed lane's. */
    PoolTck(ProtocolClient client, String moreOptions) {
        TestDatabase db = TestDatabase.get();
        // the URL names the client, so -Dtidepool.test.client leaves it alone: each class runs on its own client
        this.pool = PoolConfiguration.builder()
                .url(db.r2dbcUrl(db.user(), db.password(), "client=" + client.urlValue() + moreOptions))
                .name(TestDatabase.uniqueApplicationName("tck-" + client.urlValue()))
                .maxSize(4)
                .buildPool();
        this.jdbc = PostgresTestKit.jdbc(db.host(), db.port(), db.database(), db.user(), db.password());
    }

    @AfterAll
    void closePool() {
        try {
            // the TCK went through the pool, and every connection it opened and closed was returned, none leaked
            // (a multiplexing pool's borrowings are virtual: only those that pinned took one of its own)
            if (!pool.configuration().multiplexed()) {
                assertThat(pool.stats().acquires()).as("borrowings").isGreaterThan(34);
            }
            PoolFixture.assertNoLeak(pool, pool.configuration().maxServerConnections());
        } finally {
            pool.close().block(Duration.ofSeconds(45));
        }
    }

    @Override
    public ConnectionFactory getConnectionFactory() {
        return pool;
    }

    @Override
    public JdbcOperations getJdbcOperations() {
        return jdbc;
    }
}
