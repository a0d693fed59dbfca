package io.tidepool.pg;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Spring's DatabaseClient and R2dbcTransactionManager over the native client, unchanged. */
@Timeout(60)
class SpringDatabaseClientTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();
    private final PgConnectionFactory factory = server.factory();
    private final DatabaseClient client = DatabaseClient.create(factory);

    @BeforeEach
    void table() {
        server.execute("DROP TABLE IF EXISTS tp_spring; CREATE TABLE tp_spring (id serial primary key, name text"
                + " NOT NULL, born date)");
    }

    @AfterEach
    void drop() {
        server.execute("DROP TABLE IF EXISTS tp_spring");
    }

    @Test
    void namedParametersGeneratedKeysAndMapping() {
        Integer id = client.sql("INSERT INTO tp_spring (name, born) VALUES (:name, :born)")
                .bind("name", "ada").bindNull("born", java.time.LocalDate.class)
                .filter(s -> s.returnGeneratedValues("id"))
                .map(row -> row.get("id", Integer.class)).one().block(WAIT);
        assertThat(id).isEqualTo(1);
        List<String> names = client.sql("SELECT name FROM tp_spring WHERE id IN (:ids)")
                .bind("ids", List.of(1, 2)).map(row -> row.get("name", String.class)).all().collectList()
                .block(WAIT);
        assertThat(names).containsExactly("ada");
        assertThat(client.sql("UPDATE tp_spring SET name = :n").bind("n", "grace").fetch().rowsUpdated()
                .block(WAIT)).isEqualTo(1L);
    }

    @Test
    void transactionalOperatorCommitsAndRollsBack() {
        R2dbcTransactionManager tm = new R2dbcTransactionManager(factory);
        TransactionalOperator tx = TransactionalOperator.create(tm);
        client.sql("INSERT INTO tp_spring (name) VALUES ('a')").then()
                .then(client.sql("INSERT INTO tp_spring (name) VALUES ('b')").then())
                .as(tx::transactional).block(WAIT);
        Mono<Void> failing = client.sql("INSERT INTO tp_spring (name) VALUES ('c')").then()
                .then(client.sql("INSERT INTO tp_spring (name) VALUES (NULL)").then());
        assertThat(failing.as(tx::transactional).onErrorResume(e -> Mono.empty()).then(Mono.just(0)).block(WAIT))
                .isZero();
        DefaultTransactionDefinition readOnly = new DefaultTransactionDefinition();
        readOnly.setReadOnly(true);
        readOnly.setIsolationLevel(DefaultTransactionDefinition.ISOLATION_SERIALIZABLE);
        String level = client.sql("SHOW transaction_isolation").map(row -> row.get(0, String.class)).one()
                .as(TransactionalOperator.create(tm, readOnly)::transactional).block(WAIT);
        assertThat(level).isEqualTo("serializable");
        assertThat(server.queryLong("SELECT count(*) FROM tp_spring")).isEqualTo(2);
    }
}
