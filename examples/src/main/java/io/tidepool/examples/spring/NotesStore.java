package io.tidepool.examples.spring;

import io.r2dbc.spi.Readable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The notes in PostgreSQL, through Spring's {@link DatabaseClient} over the Tidepool pool: every call borrows a
 * connection from the pool and returns it when its {@code Mono} or {@code Flux} ends, however it ends.
 */
@Component
public class NotesStore {

    private static final String SELECT = "SELECT n.id, n.title, n.body, n.created_at,"
            + " coalesce(array_agg(t.tag ORDER BY t.tag) FILTER (WHERE t.tag IS NOT NULL), '{}') AS tags"
            + " FROM note n LEFT JOIN note_tag t ON t.note_id = n.id";

    private final DatabaseClient db;
    private final TransactionalOperator transaction;

    /**
     * A store over {@code db}, writing in transactions of {@code transaction} (Spring Boot's, over the same pool).
     */
    public NotesStore(DatabaseClient db, TransactionalOperator transaction) {
        this.db = db;
        this.transaction = transaction;
    }

    /** The newest {@code limit} notes, newest first. */
    public Flux<Note> list(int limit) {
        return db.sql(SELECT + " GROUP BY n.id ORDER BY n.id DESC LIMIT :limit")
                .bind("limit", limit)
                .map(NotesStore::note)
                .all();
    }

    /** The note {@code id}; empty if there is none. */
    public Mono<Note> find(long id) {
        return db.sql(SELECT + " WHERE n.id = :id GROUP BY n.id")
                .bind("id", id)
                .map(NotesStore::note)
                .one();
    }

    /**
     * Stores a note and its tags in one transaction: if any tag is refused (the table's check constraint), nothing
     * is stored. Answers the note as stored, read after the commit.
     */
    public Mono<Note> create(String title, String body, List<String> tags) {
        Mono<Long> stored = db.sql("INSERT INTO note (title, body) VALUES (:title, :body) RETURNING id")
                .bind("title", title)
                .bind("body", body)
                .map(row -> Objects.requireNonNull(row.get(0, Long.class)))
                .one()
                .flatMap(id -> Flux.fromIterable(tags)
                        .concatMap(tag -> db.sql("INSERT INTO note_tag (note_id, tag) VALUES (:id, :tag)")
                                .bind("id", id)
                                .bind("tag", tag)
                                .then())
                        .then(Mono.just(id)));
        return stored.as(transaction::transactional).flatMap(this::find);
    }

    private static Note note(Readable row) {
        String[] tags = Objects.requireNonNull(row.get("tags", String[].class));
        return new Note(Objects.requireNonNull(row.get("id", Long.class)),
                Objects.requireNonNull(row.get("title", String.class)),
                Objects.requireNonNull(row.get("body", String.class)),
                Objects.requireNonNull(row.get("created_at", Instant.class)),
                List.copyOf(Arrays.asList(tags)));
    }
}
