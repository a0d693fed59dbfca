package io.tidepool.examples.jooq;

import io.r2dbc.spi.ConnectionFactory;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.List;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

/**
 * A to-do list in PostgreSQL through jOOQ's reactive API, straight on a Tidepool pool: {@code DSL.using(pool)} makes
 * jOOQ borrow a connection for each query it runs as a {@code Publisher} and return it when the query's stream ends;
 * {@link DSLContext#transactionPublisher} keeps one borrowed connection for a whole transaction. The table is named
 * in code (no code generation), which is all a small example needs.
 */
public final class TaskBoard {

    private static final Table<Record> TASK = table(name("task"));
    private static final Field<Integer> ID = field(name("id"), SQLDataType.INTEGER.identity(true));
    private static final Field<String> TITLE = field(name("title"), SQLDataType.VARCHAR(200).nullable(false));
    private static final Field<Boolean> DONE = field(name("done"),
            SQLDataType.BOOLEAN.nullable(false).defaultValue(false));

    private final DSLContext db;

    /** A board whose queries borrow their connections from {@code pool}. */
    public TaskBoard(ConnectionFactory pool) {
        this.db = DSL.using(pool, SQLDialect.POSTGRES);
    }

    /** Creates the table when it does not exist yet. */
    public Mono<Void> createTable() {
        return Mono.from(db.createTableIfNotExists(TASK).columns(ID, TITLE, DONE).primaryKey(ID)).then();
    }

    /** Adds an open task; answers its id. */
    public Mono<Integer> add(String title) {
        return Mono.from(db.insertInto(TASK, TITLE).values(title).returningResult(ID)).map(Record1::value1);
    }

    /** The titles of the open tasks, oldest first, streamed as the rows arrive. */
    public Flux<String> open() {
        return Flux.from(db.select(TITLE).from(TASK).where(DONE.isFalse()).orderBy(ID)).map(Record1::value1);
    }

    /**
     * In one transaction: marks the tasks {@code done} as done and adds {@code next}. If adding fails (a title the
     * table refuses), nothing is marked either. Answers the new task's id.
     *
     * <p>The transaction's publisher is read to its end ({@code single()}), not with {@code Mono.from}: that one
     * cancels its source at the first element, and a cancelled {@code transactionPublisher} closes its connection
     * without committing, so the pool rolls the work back.
     */
    public Mono<Integer> finishAndAdd(List<Integer> done, String next) {
        return Flux.from(db.transactionPublisher(trx -> Mono.from(trx.dsl().update(TASK).set(DONE, true)
                        .where(ID.in(done)))
                .then(Mono.from(trx.dsl().insertInto(TASK, TITLE).values(next).returningResult(ID)))
                .map(Record1::value1)))
                .single();
    }
}
