package io.tidepool.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the server sees of a client, by its {@code application_name}: the second half of every leak claim (the first
 * is the pool's own counters).
 */
public final class ServerChecks {

    private ServerChecks() {
    }

    /**
     * Proves there is no leak, twice: {@code borrowedOrWaiting} (the client's own count) reaches zero, and the server
     * sees no more than {@code maxBackends} backends for {@code applicationName} and none idle in transaction.
     */
    public static void assertNoLeak(String applicationName, IntSupplier borrowedOrWaiting, int maxBackends) {
        // generous: on a CI machine shared with other builds, returns after a fault take seconds; a leak never ends
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(borrowedOrWaiting.getAsInt()).as("borrowed or waiting").isZero();
            TestDatabase.ServerBackends server = TestDatabase.get().backends(applicationName);
            assertThat(server.total()).as("backends").isLessThanOrEqualTo(maxBackends);
            assertThat(server.idleInTransaction()).as("idle in transaction").isZero();
        });
    }

    /** Waits until the server sees exactly {@code count} backends with this {@code application_name}. */
    public static void awaitBackends(String applicationName, int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(TestDatabase.get().backends(applicationName).total())
                        .as("backends of " + applicationName).isEqualTo(count));
    }

    /** The last statement the server ran on each backend with this {@code application_name}, by pid. */
    public static Map<Integer, String> lastQueries(String applicationName) {
        Map<Integer, String> byPid = new HashMap<>();
        for (Map<String, Object> row : TestDatabase.get().query(
                "SELECT pid, query FROM pg_stat_activity WHERE application_name = '" + applicationName + "'")) {
            byPid.put(((Number) row.get("pid")).intValue(), (String) row.get("query"));
        }
        return byPid;
    }
}
