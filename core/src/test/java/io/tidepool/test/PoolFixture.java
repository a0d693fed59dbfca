package io.tidepool.test;

import io.tidepool.PoolConfiguration;
import io.tidepool.ProtocolClient;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Pools for tests: each with its own {@code application_name}, so the server's view of it can be checked. */
public final class PoolFixture {

    private PoolFixture() {
    }

    /**
     * The protocol client this run of the suite is for: the one {@value TestDatabase#CLIENT_PROPERTY} names, or the
     * pool's default (r2dbc-postgresql, docs/adr/0008) when it is not set.
     */
    public static ProtocolClient testClient() {
        String name = System.getProperty(TestDatabase.CLIENT_PROPERTY, "");
        return name.isBlank() ? ProtocolClient.R2DBC_POSTGRESQL : ProtocolClient.parse(name);
    }

    /** Fails unless {@code pool} runs on {@link #testClient()}: a test meant for both clients ran on this run's. */
    public static void assertOnTestClient(TidepoolPool pool) {
        assertThat(pool.configuration().client()).as("pool '%s' protocol client", pool.name())
                .isEqualTo(testClient());
    }

    /** A builder for a pool on the test server, named and tagged with a fresh application name. */
    public static PoolConfiguration.Builder builder(String prefix) {
        String name = TestDatabase.uniqueApplicationName(prefix);
        return PoolConfiguration.builder().url(TestDatabase.get().r2dbcUrl("")).name(name);
    }

    /**
     * Proves there is no leak, twice: the pool has nothing borrowed or waiting, and the server sees no more than
     * {@code maxBackends} backends for the pool and none idle in transaction.
     */
    public static void assertNoLeak(TidepoolPool pool, int maxBackends) {
        ServerChecks.assertNoLeak(pool.name(), () -> pool.stats().acquired() + pool.stats().pending(), maxBackends);
    }

    /** Waits until the server sees exactly {@code count} backends for the pool. */
    public static void awaitBackends(TidepoolPool pool, int count) {
        ServerChecks.awaitBackends(pool.name(), count);
    }

    /** The last statement the server ran on each of the pool's backends, by pid. */
    public static Map<Integer, String> lastQueries(TidepoolPool pool) {
        return ServerChecks.lastQueries(pool.name());
    }
}
