package io.tidepool;

import io.tidepool.testing.Sql;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.error.PoolStartException;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Passwords: a wrong one fails at once, a rotated one needs no restart, and none ever shows in any output. */
@Timeout(60)
class CredentialsTests {

    private static final String RIGHT = "Right-pw-7c1e";
    private static final String WRONG = "Wrong-pw-93ad";
    private static final String ROTATED = "Rotated-pw-5b2f";

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final List<String> outputs = new ArrayList<>();
    private TidepoolPool pool;

    @BeforeEach
    void captureLogs() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        if (pool != null) {
            pool.close().block(Duration.ofSeconds(45));
        }
    }

    private static String stackOf(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private void assertNoSecretAnywhere(String... secrets) {
        List<String> everything = new ArrayList<>(outputs);
        for (ILoggingEvent event : logs.list) {
            everything.add(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                everything.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
        }
        for (String output : everything) {
            for (String secret : secrets) {
                assertThat(output).doesNotContain(secret);
            }
        }
    }

    @Test
    void aWrongPasswordFailsAtOnceWithNoReconnectStormAndNoPasswordShown() {
        TestDatabase.get().createRole("tp_app", RIGHT);
        pool = PoolConfiguration.builder().name("wrong-password").url(TestDatabase.get().r2dbcUrl("tp_app", WRONG))
                .startTimeout(Duration.ofSeconds(20)).buildPool();
        outputs.add(pool.toString());
        outputs.add(pool.configuration().toString());

        long started = System.nanoTime();
        StepVerifier.create(pool.start())
                .expectErrorSatisfies(error -> {
                    outputs.add(stackOf(error));
                    assertThat(error).isInstanceOf(PoolStartException.class)
                            .hasMessageContaining("retrying cannot mend after 1 attempt");
                    assertThat(ErrorClassifier.defaults().classify(error)).isEqualTo(ErrorCategory.PERMISSION);
                    assertThat(ErrorClassifier.sqlState(error)).isEqualTo("28P01");
                })
                .verify(Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(pool.stats().createFailures()).as("no reconnect storm").isEqualTo(1);

        StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectErrorSatisfies(error -> outputs.add(stackOf(error)))
                .verify(Duration.ofSeconds(10));
        assertNoSecretAnywhere(RIGHT, WRONG);
    }

    @Test
    void aPasswordWithUrlDelimitersIsRefusedUnencodedAndWorksEncoded() {
        String secret = "Sl/sh-pw?3#e@x";
        TestDatabase db = TestDatabase.get();
        db.createRole("tp_delims", secret);

        // unencoded, java.net.URI reads "tp_delims:Sl" as the host: refused before any message could print it
        assertThatThrownBy(() -> PoolConfiguration.builder().url(db.r2dbcUrl("tp_delims", secret)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be percent-encoded")
                .satisfies(e -> outputs.add(stackOf(e)));

        pool = PoolConfiguration.builder().name(TestDatabase.uniqueApplicationName("delims"))
                .url(db.r2dbcUrl("tp_delims", URLEncoder.encode(secret, StandardCharsets.UTF_8)))
                .maxSize(1).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        assertThat(pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10))).isPositive();
        outputs.add(pool.toString());
        outputs.add(pool.configuration().toString());
        PoolFixture.assertNoLeak(pool, 1);
        assertNoSecretAnywhere(secret, "Sl/sh", "Sl%2Fsh");
    }

    @Test
    void aRotatedPasswordNeedsNoRestart() {
        TestDatabase.get().createRole("tp_rotate", RIGHT);
        AtomicReference<String> current = new AtomicReference<>(RIGHT);
        AtomicInteger asked = new AtomicInteger();
        String name = TestDatabase.uniqueApplicationName("rotate");
        TestDatabase db = TestDatabase.get();
        pool = PoolConfiguration.builder().name(name)
                .url("r2dbc:postgresql://tp_rotate@" + db.host() + ":" + db.port() + "/" + db.database())
                .passwordSupplier(() -> Mono.fromSupplier(() -> {
                    asked.incrementAndGet();
                    return current.get();
                }))
                .maxSize(2).minIdle(1).buildPool();
        pool.start().block(Duration.ofSeconds(20));
        Integer before = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));

        TestDatabase.get().createRole("tp_rotate", ROTATED);
        current.set(ROTATED);
        pool.evictAll().block(Duration.ofSeconds(20));

        Integer after = pool.withConnection(Sql::backendPid).blockLast(Duration.ofSeconds(10));
        assertThat(after).isNotEqualTo(before);
        assertThat(asked.get()).isGreaterThanOrEqualTo(2);
        outputs.add(pool.toString());
        outputs.add(pool.configuration().toString());
        PoolFixture.assertNoLeak(pool, 2);
        assertNoSecretAnywhere(RIGHT, ROTATED);
    }
}
