package io.tidepool.examples.cli;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import reactor.core.publisher.Flux;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A command-line tool in the shape of seed 000: every command opens a scoped pool, does its work and closes the pool
 * however the work ends, so nothing outlives the command.
 *
 * <pre>
 * notes list [LIMIT]        the newest notes
 * notes show ID             one note and its tags
 * notes search TEXT         notes whose title or body contains TEXT
 * notes store TITLE BODY    a new note; prints its id
 * notes add ID TAG          tags a note
 * </pre>
 *
 * The database comes from {@code --url r2dbc:postgresql://...} or the {@code TIDEPOOL_URL} environment variable.
 */
public final class NotesCli {

    /** The pool's name, and so the server's {@code application_name} of its connections. */
    public static final String POOL_NAME = "notes-cli";

    private static final String SCHEMA = "CREATE TABLE IF NOT EXISTS note (id bigserial PRIMARY KEY, title text NOT NULL,"
            + " body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
            + " CREATE TABLE IF NOT EXISTS note_tag (note_id bigint NOT NULL REFERENCES note(id), tag text NOT NULL,"
            + " PRIMARY KEY (note_id, tag))";

    private NotesCli() {
    }

    public static void main(String[] args) {
        List<String> rest = new java.util.ArrayList<>(Arrays.asList(args));
        String url = System.getenv("TIDEPOOL_URL");
        int at = rest.indexOf("--url");
        if (at >= 0 && at + 1 < rest.size()) {
            url = rest.get(at + 1);
            rest.subList(at, at + 2).clear();
        }
        if (url == null) {
            System.err.println("give the database with --url r2dbc:postgresql://user:password@host:5432/db "
                    + "or TIDEPOOL_URL");
            System.exit(2);
        }
        System.exit(run(rest, url, System.out, System.err));
    }

    /** Runs one command; answers the process exit code. */
    public static int run(List<String> args, String url, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.println("usage: notes list [LIMIT] | show ID | search TEXT | store TITLE BODY | add ID TAG");
            return 2;
        }
        try {
            Flux<String> lines = switch (args.get(0)) {
                case "list" -> scoped(url, c -> rows(c, "SELECT id || '  ' || title FROM note ORDER BY id DESC LIMIT $1",
                        args.size() > 1 ? Long.parseLong(args.get(1)) : 10L));
                case "show" -> scoped(url, c -> rows(c, "SELECT n.id || '  ' || n.title || E'\\n' || n.body"
                        + " || coalesce(E'\\ntags: ' || string_agg(t.tag, ', ' ORDER BY t.tag), '')"
                        + " FROM note n LEFT JOIN note_tag t ON t.note_id = n.id WHERE n.id = $1 GROUP BY n.id",
                        Long.parseLong(argument(args, 1, "ID"))));
                case "search" -> scoped(url, c -> rows(c, "SELECT id || '  ' || title FROM note"
                        + " WHERE title ILIKE '%' || $1 || '%' OR body ILIKE '%' || $1 || '%' ORDER BY id",
                        argument(args, 1, "TEXT")));
                case "store" -> scoped(url, c -> rows(c, "INSERT INTO note (title, body) VALUES ($1, $2)"
                        + " RETURNING 'stored ' || id", argument(args, 1, "TITLE"), argument(args, 2, "BODY")));
                case "add" -> scoped(url, c -> rows(c, "INSERT INTO note_tag (note_id, tag) VALUES ($1, $2)"
                        + " ON CONFLICT DO NOTHING RETURNING 'tagged ' || note_id || ' ' || tag",
                        Long.parseLong(argument(args, 1, "ID")), argument(args, 2, "TAG")));
                default -> throw new IllegalArgumentException("unknown command '" + args.get(0)
                        + "': use list, show, search, store or add");
            };
            List<String> result = lines.collectList().block(Duration.ofSeconds(60));
            if (result == null || result.isEmpty()) {
                out.println("(nothing)");
            } else {
                result.forEach(out::println);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("failed: " + e.getMessage());
            return 1;
        }
    }

    /** The seed's fix, in one call: a pool that exists exactly as long as the command's work. */
    private static Flux<String> scoped(String url, Function<Connection, Flux<String>> work) {
        PoolConfiguration config = PoolConfiguration.builder().url(url).name(POOL_NAME).maxSize(2)
                .acquireTimeout(Duration.ofSeconds(5)).build();
        return TidepoolPool.using(config, pool -> pool.inTransaction(c -> Flux.from(c.createStatement(SCHEMA)
                        .execute()).flatMap(Result::getRowsUpdated).thenMany(Flux.defer(() -> work.apply(c)))));
    }

    private static Flux<String> rows(Connection c, String sql, Object... parameters) {
        var statement = c.createStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            statement.bind(i, parameters[i]);
        }
        return Flux.from(statement.execute()).flatMap(r -> r.map((row, meta) -> row.get(0, String.class)));
    }

    private static String argument(List<String> args, int index, String name) {
        if (args.size() <= index) {
            throw new IllegalArgumentException(args.get(0) + " needs " + name);
        }
        return args.get(index);
    }
}
