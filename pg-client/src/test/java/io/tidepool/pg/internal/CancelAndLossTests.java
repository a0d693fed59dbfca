package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.Result;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class CancelAndLossTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();

    private void awaitSleeping(int pid) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() ->
                server.queryLong("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid
                        + " AND state = 'active' AND query LIKE '%pg_sleep%'") == 1);
    }

    @Test
    void aCancelRequestStopsAPgSleep() {
        PgSession c = server.factory().create().block(WAIT);
        try {
            CompletableFuture<Long> sleeping = Flux.from(c.createStatement("SELECT pg_sleep(30)").execute())
                    .flatMap(Result::getRowsUpdated).then(Mono.just(0L)).toFuture();
            awaitSleeping(c.processId());
            Mono.from(c.cancelRequest()).block(WAIT);
            assertThatThrownBy(() -> sleeping.get(10, java.util.concurrent.TimeUnit.SECONDS)).cause()
                    .isInstanceOf(R2dbcTimeoutException.class)
                    .hasMessage("canceling statement due to user request");
            // the connection carries on
            assertThat(Mono.from(c.validate(io.r2dbc.spi.ValidationDepth.REMOTE)).block(WAIT)).isTrue();
        } finally {
            Mono.from(c.close()).block(WAIT);
        }
    }

    @Test
    void aStatementTimeoutCancelsOnTheServer() {
        PgSession c = server.factory().create().block(WAIT);
        try {
            Mono.from(c.setStatementTimeout(Duration.ofMillis(200))).block(WAIT);
            StepVerifier.create(Flux.from(c.createStatement("SELECT pg_sleep(10)").execute())
                            .flatMap(Result::getRowsUpdated))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcTimeoutException.class)
                            .hasMessage("canceling statement due to statement timeout"))
                    .verify(WAIT);
        } finally {
            Mono.from(c.close()).block(WAIT);
        }
    }

    @Test
    void aLostConnectionFailsEveryCommandInFlightNamingTheServer() {
        PgSession c = server.factory().create().block(WAIT);
        CompletableFuture<Long> first = Flux.from(c.createStatement("SELECT pg_sleep(30)").execute())
                .flatMap(Result::getRowsUpdated).then(Mono.just(0L)).toFuture();
        CompletableFuture<Long> second = Flux.from(c.createStatement("SELECT $1::int").bind(0, 1).execute())
                .flatMap(Result::getRowsUpdated).then(Mono.just(0L)).toFuture();
        CompletableFuture<Void> third = Mono.from(c.beginTransaction())
                .then(Mono.from(c.commitTransaction())).toFuture();
        awaitSleeping(c.processId());
        server.execute("SELECT pg_terminate_backend(" + c.processId() + ")");
        String hostPort = "127.0.0.1:" + server.port();
        for (CompletableFuture<?> f : new CompletableFuture<?>[] {first, second}) {
            assertThatThrownBy(() -> f.get(10, java.util.concurrent.TimeUnit.SECONDS)).cause()
                    .isInstanceOf(R2dbcNonTransientResourceException.class)
                    .hasMessageContaining(hostPort);
        }
        third.handle((v, e) -> null).join();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(c::isClosed);
        StepVerifier.create(Flux.from(c.createStatement("SELECT 1").execute()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcNonTransientResourceException.class)
                        .hasMessageStartingWith("connection to " + hostPort + " is closed"))
                .verify(WAIT);
        Mono.from(c.close()).block(WAIT);
    }
}
