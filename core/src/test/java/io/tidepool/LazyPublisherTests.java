package io.tidepool;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.ValidationDepth;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.Sql;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every publisher of a lent connection decides "returned or not" when it is subscribed, not when it is made: the
 * R2DBC TCK's validate sequence, publishers made before close() and subscribed after, and publishers made after it.
 */
@Timeout(60)
class LazyPublisherTests extends PoolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Every publisher-returning method of a connection, by name. */
    private static Map<String, Function<Connection, Publisher<?>>> publishers() {
        Map<String, Function<Connection, Publisher<?>>> all = new LinkedHashMap<>();
        all.put("beginTransaction()", Connection::beginTransaction);
        all.put("beginTransaction(definition)", c -> c.beginTransaction(IsolationLevel.SERIALIZABLE));
        all.put("commitTransaction", Connection::commitTransaction);
        all.put("rollbackTransaction", Connection::rollbackTransaction);
        all.put("createSavepoint", c -> c.createSavepoint("s1"));
        all.put("releaseSavepoint", c -> c.releaseSavepoint("s1"));
        all.put("rollbackTransactionToSavepoint", c -> c.rollbackTransactionToSavepoint("s1"));
        all.put("setAutoCommit", c -> c.setAutoCommit(false));
        all.put("setTransactionIsolationLevel", c -> c.setTransactionIsolationLevel(IsolationLevel.SERIALIZABLE));
        all.put("setStatementTimeout", c -> c.setStatementTimeout(Duration.ofSeconds(7)));
        all.put("setLockWaitTimeout", c -> c.setLockWaitTimeout(Duration.ofSeconds(7)));
        all.put("Statement.execute", c -> c.createStatement("SET statement_timeout = 4242").execute());
        all.put("Batch.execute", c -> c.createBatch().add("SET lock_timeout = 4242").execute());
        return all;
    }

    @Test
    void validateAssembledBeforeCloseAnswersFalseOnceClosedAsTheTckExpects() {
        pool = PoolFixture.builder("lazy-tck").maxSize(1).buildPool();
        Connection c = pool.create().block(WAIT);

        StepVerifier.create(Flux.concat(c.validate(ValidationDepth.LOCAL), c.validate(ValidationDepth.REMOTE),
                        c.close(), c.validate(ValidationDepth.LOCAL), c.validate(ValidationDepth.REMOTE)))
                .expectNext(true, true, false, false)
                .verifyComplete();
        assertNoLeak(pool, 1);
    }

    @Test
    void aPublisherMadeBeforeCloseAndSubscribedAfterIsFencedOffAndNeverReachesTheNextBorrower() {
        pool = PoolFixture.builder("lazy-before").maxSize(1).buildPool();
        Connection first = pool.create().block(WAIT);
        int pid = Sql.backendPid(first).block(WAIT);
        Map<String, Publisher<?>> made = new LinkedHashMap<>();
        publishers().forEach((name, make) -> made.put(name, make.apply(first)));
        Mono.from(first.close()).block(WAIT);

        // the only connection goes to the next borrower, who holds it while the old publishers are subscribed
        Connection next = pool.create().block(WAIT);
        assertThat(Sql.backendPid(next).block(WAIT)).isEqualTo(pid);
        made.forEach((name, publisher) -> StepVerifier.create(publisher)
                .expectErrorSatisfies(e -> assertThat(e).as(name).isInstanceOf(IllegalStateException.class)
                        .hasMessage("connection of pool '" + pool.name()
                                + "' was already returned to the pool and must not be used any more"))
                .verify(WAIT));

        // none of them ran on the server: the next borrower's session is untouched
        assertThat(next.isAutoCommit()).isTrue();
        assertThat(queryOne(next, "SHOW statement_timeout", String.class).block(WAIT)).isEqualTo("0");
        assertThat(queryOne(next, "SHOW lock_timeout", String.class).block(WAIT)).isEqualTo("0");
        assertThat(queryOne(next, "SHOW transaction_isolation", String.class).block(WAIT))
                .isEqualTo("read committed");
        // the server agrees: between statements the backend is idle, not idle in transaction
        assertThat(TestDatabase.get().query("SELECT state FROM pg_stat_activity WHERE pid = " + pid))
                .as("no transaction open").extracting(row -> row.get("state")).containsExactly("idle");
        Mono.from(next.close()).block(WAIT);
        assertNoLeak(pool, 1);
    }

    @Test
    void aPublisherMadeAfterCloseIsMadeWithoutErrorAndFailsWhenSubscribed() {
        pool = PoolFixture.builder("lazy-after").maxSize(1).buildPool();
        Connection c = pool.create().block(WAIT);
        // a statement made before close, executed after: execute() itself does not throw
        var statement = c.createStatement("SELECT 1");
        Mono.from(c.close()).block(WAIT);

        Map<String, Function<Connection, Publisher<?>>> all = publishers();
        all.remove("Statement.execute");
        all.remove("Batch.execute");
        all.put("Statement.execute (statement made before close)", ignored -> statement.execute());
        all.forEach((name, make) -> {
            Publisher<?> publisher = make.apply(c);
            StepVerifier.create(publisher)
                    .expectErrorSatisfies(e -> assertThat(e).as(name).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("was already returned to the pool"))
                    .verify(WAIT);
        });
        StepVerifier.create(c.validate(ValidationDepth.REMOTE)).expectNext(false).verifyComplete();
        StepVerifier.create(c.close()).verifyComplete();
        assertNoLeak(pool, 1);
    }

    @Test
    void aSetterMarksItsSettingForResetWhenSubscribedNotWhenCalled() {
        pool = PoolFixture.builder("lazy-setter").maxSize(1).buildPool();

        // called, never subscribed: nothing changed on the server, so the return is free (no RESET round trip)
        Connection c = pool.create().block(WAIT);
        // read to the end: a clean connection, whose return needs no round trip
        Sql.run(c, "SELECT 'lazy-setter'").block(WAIT);
        c.setStatementTimeout(Duration.ofSeconds(3));
        c.setLockWaitTimeout(Duration.ofSeconds(3));
        c.setTransactionIsolationLevel(IsolationLevel.SERIALIZABLE);
        Mono.from(c.close()).block(WAIT);
        assertThat(PoolFixture.lastQueries(pool).values()).as("the last statement is the borrower's own")
                .containsExactly("SELECT 'lazy-setter'");

        // subscribed: marked, and reset on return
        Connection d = pool.create().block(WAIT);
        Publisher<Void> set = d.setStatementTimeout(Duration.ofSeconds(3));
        Mono.from(set).block(WAIT);
        assertThat(queryOne(d, "SHOW statement_timeout", String.class).block(WAIT)).isEqualTo("3s");
        Mono.from(d.close()).block(WAIT);
        assertThat(pool.withConnection(e -> queryOne(e, "SHOW statement_timeout", String.class)).blockLast(WAIT))
                .isEqualTo("0");
        assertNoLeak(pool, 1);
    }
}
