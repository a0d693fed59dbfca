package io.tidepool.pg.internal;

import io.r2dbc.spi.Result;
import io.tidepool.pg.PgConnectionFactory;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A statement without {@code $n} placeholders is prepared once per connection and cached, as a bound one is (the
 * server neither parses nor plans it again: pgbench's {@code -M prepared} against {@code -M simple}); several
 * statements in one text, and any statement on a connection that caches nothing, stay simple Queries. Counted on the
 * engine's wire statistics and on the server's {@code pg_prepared_statements}.
 */
@Timeout(60)
class PreparedWithoutBindsTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();
    private PgSession connection;
    private WireStats stats;

    private void connect(int statementCacheSize) {
        connection = new PgConnectionFactory(server.config().statementCacheSize(statementCacheSize).build()).create()
                .block(WAIT);
        stats = ((PgConnectionImpl) connection).engine().stats;
    }

    @AfterEach
    void close() {
        if (connection != null) {
            Mono.from(connection.close()).block(WAIT);
        }
    }

    private List<Object> values(String sql) {
        return Flux.from(connection.createStatement(sql).execute()).concatMap(r -> r.map((row, m) -> row.get(0)))
                .collectList().block(WAIT);
    }

    @Test
    void aStatementWithoutBindsIsPreparedOnceAndReused() {
        connect(16);
        long parses = stats.parses;
        long queries = stats.queries;
        for (int i = 0; i < 3; i++) {
            assertThat(values("SELECT 7")).containsExactly(7);
        }
        assertThat(stats.parses - parses).as("Parses for three runs").isEqualTo(1);
        assertThat(stats.queries - queries).as("simple Queries").isZero();
        assertThat(values("SELECT count(*)::int FROM pg_prepared_statements WHERE statement = 'SELECT 7'"))
                .containsExactly(1);
    }

    @Test
    void severalStatementsInOneTextStaySimple() {
        connect(16);
        long queries = stats.queries;
        long parses = stats.parses;
        assertThat(values("SELECT 1; SELECT 2")).containsExactly(1, 2);
        assertThat(stats.queries - queries).isEqualTo(1);
        assertThat(stats.parses - parses).isZero();
    }

    @Test
    void withoutACacheAStatementWithoutBindsIsASimpleQuery() {
        connect(0);
        long queries = stats.queries;
        long parses = stats.parses;
        assertThat(values("SELECT 3")).containsExactly(3);
        assertThat(values("SELECT 3")).containsExactly(3);
        // an unnamed Parse each time would cost the server more than a Query does
        assertThat(stats.queries - queries).isEqualTo(2);
        assertThat(stats.parses - parses).isZero();
    }

    @Test
    void afterDiscardAllAStatementIsPreparedAgainEvenInsideATransaction() {
        connect(16);
        assertThat(values("SELECT 5")).containsExactly(5);
        assertThat(values("SELECT count(*)::int FROM pg_prepared_statements")).containsExactly(2);
        Flux.from(connection.createStatement("DISCARD ALL").execute()).flatMap(Result::getRowsUpdated)
                .blockLast(WAIT);
        // inside a transaction a 26000 cannot be healed by preparing again: the cache must know the server forgot
        Mono.from(connection.beginTransaction()).block(WAIT);
        assertThat(values("SELECT 5")).containsExactly(5);
        assertThat(values("SELECT count(*)::int FROM pg_prepared_statements")).containsExactly(2);
        Mono.from(connection.commitTransaction()).block(WAIT);
    }
}
