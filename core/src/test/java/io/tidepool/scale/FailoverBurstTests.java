package io.tidepool.scale;

import io.tidepool.testing.FreePorts;
import io.tidepool.PoolConfiguration;
import io.tidepool.PoolListener;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failover watch's burst rule on real sockets: with every host of a {@code targetServerType=primary} URL
 * refusing, failed connects are one failover (one evict), however long the outage lasts. A pool on a single host, or
 * not targeting the primary, has no watch. (A failover that ends, then another, is {@code FailoverTests}' part.)
 */
@Timeout(60)
class FailoverBurstTests {

    private static TidepoolPool pool(String url, Queue<Throwable> failovers) {
        TidepoolPool pool = PoolConfiguration.builder().url(TestDatabase.withTestClient(url))
                .name(TestDatabase.uniqueApplicationName("failover-burst"))
                .maxSize(4).acquireTimeout(Duration.ofMillis(300)).createTimeout(Duration.ofMillis(200))
                .buildPool();
        pool.addListener(new PoolListener() {
            @Override
            public void failoverDetected(String name, Throwable cause) {
                failovers.add(cause);
            }
        });
        return pool;
    }

    /** Tries to borrow {@code times} times, {@code every} apart; every attempt fails. */
    private static void attempts(TidepoolPool pool, int times, Duration every) {
        Flux.range(0, times)
                .concatMap(t -> pool.withConnection(c -> Mono.just(1)).then().onErrorResume(e -> Mono.empty())
                        .then(Mono.delay(every)))
                .blockLast(Duration.ofSeconds(30));
    }

    @Test
    void anOutageIsOneFailoverHoweverLongItLasts() {
        Queue<Throwable> failovers = new ConcurrentLinkedQueue<>();
        TidepoolPool pool = pool("r2dbc:tidepool:postgresql:failover://postgres:pw-Failover-7b2@127.0.0.1:"
                + FreePorts.loopback() + ",127.0.0.1:" + FreePorts.loopback() + "/postgres?targetServerType=primary", failovers);
        try {
            // 6 s of callers while nothing answers: the pool's connect backoff grows past the 2 s quiet period,
            // but no connection opened since the evict, so it is still the same failover
            attempts(pool, 30, Duration.ofMillis(200));
            assertThat(pool.stats().createFailures()).isGreaterThanOrEqualTo(4);
            assertThat(failovers).hasSize(1);
            assertThat(String.valueOf(failovers.peek().getMessage())).doesNotContain("pw-Failover-7b2");
            assertThat(pool.toString()).doesNotContain("pw-Failover-7b2");
        } finally {
            pool.close().block(Duration.ofSeconds(10));
        }
    }

    @Test
    void onlyPoolsThatTargetThePrimaryOfSeveralHostsAreWatched() {
        Queue<Throwable> failovers = new ConcurrentLinkedQueue<>();
        for (String url : new String[] {
                "r2dbc:tidepool:postgresql://postgres@127.0.0.1:" + FreePorts.loopback() + "/postgres",
                "r2dbc:tidepool:postgresql:failover://postgres@127.0.0.1:" + FreePorts.loopback() + ",127.0.0.1:"
                        + FreePorts.loopback() + "/postgres?targetServerType=preferStandby"}) {
            TidepoolPool pool = pool(url, failovers);
            try {
                attempts(pool, 3, Duration.ofMillis(50));
            } finally {
                pool.close().block(Duration.ofSeconds(10));
            }
        }
        assertThat(failovers).isEmpty();
    }
}
