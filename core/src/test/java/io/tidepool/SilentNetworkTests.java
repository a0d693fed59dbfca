package io.tidepool;

import io.tidepool.error.ConnectionSilentException;
import io.tidepool.error.ErrorCategory;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.FaultProxy;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A network that goes silent (bytes held, nothing closed) right after a connection was used: with a silenceTimeout
 * every borrower fails within its bound and the connections are discarded; without one, nothing bounds the wait.
 */
@Timeout(60)
class SilentNetworkTests extends PoolTest {

    private FaultProxy proxy;

    @AfterEach
    void closeProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private PoolConfiguration.Builder throughProxy(String prefix) {
        proxy = FaultProxy.toTestDatabase();
        return PoolConfiguration.builder().url(proxy.r2dbcUrl()).name(TestDatabase.uniqueApplicationName(prefix))
                .maxSize(4).acquireTimeout(Duration.ofSeconds(5)).keepaliveDisabled();
    }

    @Test
    void withASilenceTimeoutEveryBorrowerFailsWithinItsBoundAndTheConnectionsAreDiscarded() {
        pool = throughProxy("silence").silenceTimeout(Duration.ofSeconds(1)).buildPool();
        // used just now: the next borrowers skip validation, as in the measured outage
        Flux.range(0, 4).flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)), 4)
                .blockLast(Duration.ofSeconds(10));
        proxy.blackhole();

        long started = System.nanoTime();
        List<Throwable> failures = Flux.range(0, 12)
                .flatMap(i -> pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class))
                        .then(Mono.<Throwable>empty()).onErrorResume(Mono::just), 12)
                .collectList().block(Duration.ofSeconds(30));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        // before: 4 of 12 still waiting after 20 s; now the four on the dead connections fail after 1 to 1.25 s, and
        // the rest fail to get a connection through the dead network within their acquire timeout
        assertThat(failures).hasSize(12);
        assertThat(failures).filteredOn(ConnectionSilentException.class::isInstance).hasSizeGreaterThanOrEqualTo(1)
                .allSatisfy(e -> assertThat(pool.configuration().errorClassifier().classify(e))
                        .isEqualTo(ErrorCategory.TRANSIENT_CONNECTION));
        assertThat(tookMillis).as("every borrower answered, ms").isLessThan(15_000);
        assertThat(pool.stats().acquired()).isZero();
        assertThat(pool.stats().discards()).as("the silent connections were closed").isGreaterThanOrEqualTo(1);
    }

    @Test
    void withoutOneABorrowerWaitsOnASilentNetwork() {
        pool = throughProxy("no-silence").buildPool();
        pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)).blockLast(Duration.ofSeconds(10));
        proxy.blackhole();

        Mono<Integer> waiting = pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)).next();

        // nothing answers and nothing fails: what the default leaves to the kernel (see docs/adr/0007)
        assertThat(waiting.map(v -> "answered").onErrorResume(e -> Mono.just("failed: " + e))
                .timeout(Duration.ofSeconds(3), Mono.just("still waiting")).block(Duration.ofSeconds(10)))
                .isEqualTo("still waiting");
        proxy.pass();
    }
}
