package io.tidepool.spring.boot.boot3;

import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.annotation.Id;
import org.springframework.data.r2dbc.core.R2dbcEntityTemplate;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.data.relational.core.query.Criteria.where;
import static org.springframework.data.relational.core.query.Query.query;
import static org.springframework.data.relational.core.query.Update.update;

/**
 * Spring Data R2DBC's {@link R2dbcEntityTemplate} and Spring's reactive transactions straight on a Tidepool pool, on
 * the protocol client the run names ({@code -Dtidepool.test.client=native} for Tidepool's own): the dialect is found
 * from the pool's metadata, entities are inserted, queried and updated, a failed transaction leaves nothing.
 */
@Timeout(60)
class SpringDataR2dbcTests {

    private static final Duration WAIT = Duration.ofSeconds(15);

    /** A row of {@code item}. */
    @Table("item")
    record Item(@Id Integer id, String name, int stock) {
    }

    private TidepoolPool pool;
    private R2dbcEntityTemplate template;
    private TransactionalOperator transaction;

    @BeforeEach
    void start() {
        TestDatabase db = TestDatabase.get();
        db.execute("DROP TABLE IF EXISTS item");
        db.execute("CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL UNIQUE, stock int NOT NULL)");
        pool = PoolConfiguration.builder().url(db.r2dbcUrl("")).name(TestDatabase.uniqueApplicationName("data"))
                .maxSize(3).buildPool();
        String expected = System.getProperty(TestDatabase.CLIENT_PROPERTY, "");
        assertThat(pool.configuration().client().urlValue()).isEqualTo(expected.isBlank() ? "r2dbc-postgresql"
                : expected);
        template = new R2dbcEntityTemplate(pool);
        transaction = TransactionalOperator.create(new R2dbcTransactionManager(pool));
    }

    @AfterEach
    void close() {
        pool.close().block(WAIT);
    }

    @Test
    void entitiesAreInsertedQueriedAndUpdatedThroughThePool() {
        Item saved = template.insert(new Item(null, "anchor", 3)).block(WAIT);
        assertThat(saved).isNotNull();
        assertThat(saved.id()).isNotNull();
        template.insert(new Item(null, "buoy", 0)).block(WAIT);

        assertThat(template.select(Item.class).matching(query(where("stock").greaterThan(0))).all()
                .map(Item::name).collectList().block(WAIT)).containsExactly("anchor");
        Long updated = template.update(Item.class).matching(query(where("name").is("buoy")))
                .apply(update("stock", 5)).block(WAIT);
        assertThat(updated).isEqualTo(1L);
        assertThat(template.count(query(where("stock").greaterThan(0)), Item.class).block(WAIT)).isEqualTo(2L);
        ServerChecks.assertNoLeak(pool.name(), () -> pool.stats().acquired() + pool.stats().pending(), 3);
    }

    @Test
    void aTransactionThatFailsHalfWayLeavesNothing() {
        Mono<Item> both = template.insert(new Item(null, "chain", 1))
                .then(template.insert(new Item(null, "chain", 2)));

        assertThatThrownBy(() -> both.as(transaction::transactional).block(WAIT))
                .hasMessageContaining("duplicate key");

        assertThat(template.count(query(where("name").is("chain")), Item.class).block(WAIT)).isZero();
        ServerChecks.assertNoLeak(pool.name(), () -> pool.stats().acquired() + pool.stats().pending(), 3);
    }
}
