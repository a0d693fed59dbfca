package io.tidepool;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.r2dbc.spi.Connection;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.Sql;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.tidepool.testing.Sql.queryOne;
import static io.tidepool.testing.Sql.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Session state a borrower sets in SQL never reaches the next borrower of the connection (before this, each of these
 * did, as with r2dbc-pool and HikariCP), and a borrower that set none returns its connection with no round trip.
 */
@Timeout(60)
class SessionStateTests extends PoolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    static Stream<Arguments> sessionChanges() {
        return Stream.of(
                arguments("SET search_path TO pg_catalog", "SHOW search_path"),
                arguments("set statement_timeout = '5s'", "SHOW statement_timeout"),
                arguments("SET ROLE tidepool_session_probe", "SELECT current_user::text"),
                arguments("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                        "SHOW default_transaction_isolation"),
                arguments("SET TIME ZONE 'Asia/Tokyo'", "SHOW TimeZone"),
                arguments("CREATE TEMP TABLE session_probe (i int)",
                        "SELECT (to_regclass('pg_temp.session_probe') IS NULL)::text"),
                arguments("PREPARE session_probe AS SELECT 1",
                        "SELECT count(*)::text FROM pg_prepared_statements WHERE name = 'session_probe'"),
                arguments("LISTEN session_probe", "SELECT count(*)::text FROM pg_listening_channels()"),
                arguments("SELECT pg_advisory_lock(4242)",
                        "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"),
                arguments("/* tenant */ SELECT set_config('app.tenant', 'a', false)",
                        "SELECT coalesce(current_setting('app.tenant', true), '')"),
                arguments("DECLARE session_probe CURSOR WITH HOLD FOR SELECT 1",
                        "SELECT count(*)::text FROM pg_cursors"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sessionChanges")
    void whatABorrowerSetsInSqlIsUndoneBeforeTheNextBorrower(String change, String probe) {
        // the native client refuses LISTEN (it would drop the notifications), naming client=r2dbc-postgresql
        assumeFalse(change.startsWith("LISTEN") && "native".equals(System.getProperty(TestDatabase.CLIENT_PROPERTY)));
        TestDatabase.get().execute("DO $$ BEGIN CREATE ROLE tidepool_session_probe NOLOGIN; "
                + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        pool = PoolFixture.builder("session").maxSize(1).buildPool();
        String before = pool.withConnection(c -> queryOne(c, probe, String.class)).blockLast(WAIT);

        pool.withConnection(c -> run(c, change).then(queryOne(c, probe, String.class))
                .doOnNext(during -> assertThat(during).as("changed during the borrowing").isNotEqualTo(before)))
                .blockLast(WAIT);

        String after = pool.withConnection(c -> queryOne(c, probe, String.class)).blockLast(WAIT);
        assertThat(after).as("what the next borrower sees after: " + change).isEqualTo(before);
        PoolFixture.assertNoLeak(pool, 1);
    }

    @Test
    void aBorrowerThatSetNothingCostsNoRoundTripAndKeepsItsConnection() {
        pool = PoolFixture.builder("session-clean").maxSize(1).buildPool();
        Integer pid = pool.withConnection(Sql::backendPid).blockLast(WAIT);
        pool.withConnection(c -> run(c, "UPDATE pg_class SET relname = relname WHERE false")
                .then(run(c, "SELECT 'the last statement' AS marker"))).blockLast(WAIT);

        // nothing ran after the borrower's last statement: no reset, no rollback
        assertThat(PoolFixture.lastQueries(pool)).containsEntry(pid, "SELECT 'the last statement' AS marker");
    }

    @Test
    void connectionInitSqlIsEveryConnectionsBaselineAndComesBackAfterAReset() {
        pool = PoolFixture.builder("session-init").maxSize(1)
                .connectionInitSql("SET search_path TO pg_catalog, public").buildPool();
        assertThat(pool.withConnection(c -> queryOne(c, "SHOW search_path", String.class)).blockLast(WAIT))
                .isEqualTo("pg_catalog, public");

        pool.withConnection(c -> run(c, "SET search_path TO public")).blockLast(WAIT);

        assertThat(pool.withConnection(c -> queryOne(c, "SHOW search_path", String.class)).blockLast(WAIT))
                .as("the reset undid the borrower's SET, then the init SQL ran again").isEqualTo("pg_catalog, public");
    }

    @Test
    void connectionInitSqlComesFromTheUrlToo() {
        String url = TestDatabase.get().r2dbcUrl("connectionInitSql=SET%20TIME%20ZONE%20%27UTC%27");
        pool = PoolConfiguration.builder().url(url).name(TestDatabase.uniqueApplicationName("init-url")).buildPool();
        assertThat(pool.configuration().connectionInitSql()).contains("SET TIME ZONE 'UTC'");
        assertThat(pool.withConnection(c -> queryOne(c, "SHOW TimeZone", String.class)).blockLast(WAIT))
                .isEqualTo("UTC");
    }

    @Test
    void postAllocateRunsOnEveryNewConnectionAndPreReleaseOnEveryReturn() {
        AtomicInteger allocated = new AtomicInteger();
        AtomicInteger released = new AtomicInteger();
        pool = PoolFixture.builder("session-hooks").maxSize(1)
                .postAllocate(c -> Mono.fromRunnable(allocated::incrementAndGet))
                .preRelease((Connection c) -> run(c, "SELECT 1").doOnSuccess(v -> released.incrementAndGet()))
                .buildPool();
        for (int i = 0; i < 3; i++) {
            pool.withConnection(c -> queryOne(c, "SELECT 1", Integer.class)).blockLast(WAIT);
        }
        assertThat(allocated).hasValue(1);
        assertThat(released).hasValue(3);

        PoolConfiguration failing = PoolFixture.builder("session-hooks-fail").maxSize(1)
                .preRelease(c -> Mono.error(new IllegalStateException("no"))).build();
        pool.close().block(WAIT);
        pool = TidepoolPool.create(failing);
        Integer first = pool.withConnection(Sql::backendPid).blockLast(WAIT);
        Integer second = pool.withConnection(Sql::backendPid).blockLast(WAIT);
        assertThat(second).as("a connection its preRelease failed on is closed").isNotEqualTo(first);
        assertThat(pool.stats().discards()).isEqualTo(2);
    }

    @Test
    void aValidationQueryValidatesEveryAcquireUnlessValidateAfterIdleIsSet() {
        assertThat(PoolFixture.builder("vq").validationQuery("SELECT 1").build().validateAfterIdle())
                .as("r2dbc-pool's contract").contains(Duration.ZERO);
        assertThat(PoolFixture.builder("vq").validationQuery("SELECT 1").validateAfterIdle(Duration.ofSeconds(1))
                .build().validateAfterIdle()).contains(Duration.ofSeconds(1));
        assertThat(PoolConfiguration.builder().url(TestDatabase.get().r2dbcUrl("validationQuery=SELECT%201"))
                .build().validateAfterIdle()).contains(Duration.ZERO);
        assertThat(PoolFixture.builder("vq").build().validateAfterIdle())
                .contains(PoolConfiguration.DEFAULT_VALIDATE_AFTER_IDLE);
    }

    @Test
    void anR2dbcPoolOptionTidepoolIgnoresIsNamedInAWarning() {
        Logger logger = (Logger) LoggerFactory.getLogger("io.tidepool.PoolOptions");
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            PoolConfiguration.builder().url(TestDatabase.get().r2dbcUrl("registerJmx=true&acquireRetry=3")).build();
        } finally {
            logger.detachAppender(seen);
        }
        assertThat(seen.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("registerJmx=true").contains("ignored"))
                .anySatisfy(m -> assertThat(m).contains("acquireRetry=3").contains("ignored"));
    }
}
