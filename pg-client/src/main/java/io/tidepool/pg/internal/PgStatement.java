package io.tidepool.pg.internal;

import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A statement: the extended protocol (one Bind/Execute per {@link #add()}ed binding, in one write), its text prepared
 * once per connection and cached; the simple protocol for text holding several statements, and for a statement
 * without {@code $n} placeholders on a connection that caches nothing. Values are encoded when bound, on the caller's
 * thread.
 */
final class PgStatement implements Statement {

    // string literals and quoted names, left out when looking for a RETURNING of the statement's own
    private static final Pattern QUOTED = Pattern.compile("'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"");
    private static final Pattern HAS_RETURNING = Pattern.compile("(?i)\\breturning\\b");
    private static final Pattern TRAILING_END = Pattern.compile("[\\s;]+$");

    private final Exchanger connection;
    private final String sql;
    private final int parameterCount;
    private final boolean single;
    private final List<BindValue[]> bindings = new ArrayList<>();
    private BindValue[] current;
    private int boundInCurrent;
    private String @Nullable [] generatedColumns;

    PgStatement(Exchanger connection, String sql) {
        this.connection = connection;
        this.sql = Checks.sql(sql);
        SqlParameters.Shape shape = SqlParameters.shape(this.sql);
        // the one check of the limit: every binding has this many values, so no Parse or Bind can carry more
        checkParameterCount(shape.count());
        this.parameterCount = shape.count();
        this.single = shape.single();
        this.current = new BindValue[parameterCount];
    }

    /** Refused when created, before the connection sees anything: a count cut to 16 bits would desynchronize it. */
    private static void checkParameterCount(int count) {
        if (count > Frontend.MAX_PARAMETERS) {
            throw new IllegalArgumentException("a statement takes at most " + Frontend.MAX_PARAMETERS + " parameters,"
                    + " this one has " + count);
        }
    }

    @Override
    public PgStatement add() {
        checkComplete();
        bindings.add(current);
        current = new BindValue[parameterCount];
        boundInCurrent = 0;
        return this;
    }

    private void checkComplete() {
        for (int i = 0; i < current.length; i++) {
            if (current[i] == null) {
                throw new IllegalStateException("parameter $" + (i + 1) + " is not bound");
            }
        }
    }

    @Override
    public PgStatement bind(int index, Object value) {
        Checks.notNull(value, "value must not be null: use bindNull");
        set(index, BindEncoder.encode(value));
        return this;
    }

    @Override
    public PgStatement bind(String name, Object value) {
        return bind(indexOf(name), value);
    }

    @Override
    public PgStatement bindNull(int index, Class<?> type) {
        Checks.notNull(type, "type must not be null");
        set(index, BindEncoder.encodeNull(type));
        return this;
    }

    @Override
    public PgStatement bindNull(String name, Class<?> type) {
        return bindNull(indexOf(name), type);
    }

    private void set(int index, BindValue value) {
        if (index < 0 || index >= parameterCount) {
            throw new IndexOutOfBoundsException("parameter index " + index + " is out of range: the statement has "
                    + parameterCount + " parameter(s) ($1..$" + parameterCount + ")");
        }
        if (current[index] == null) {
            boundInCurrent++;
        }
        current[index] = value;
    }

    private int indexOf(String name) {
        Checks.notNull(name, "name must not be null");
        if (name.length() > 1 && name.charAt(0) == '$') {
            try {
                return Integer.parseInt(name.substring(1)) - 1;
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new java.util.NoSuchElementException("no parameter named '" + name + "': parameters are named $1..$"
                + parameterCount);
    }

    @Override
    public PgStatement returnGeneratedValues(String... columns) {
        Checks.notNull(columns, "columns must not be null");
        for (String column : columns) {
            Checks.notNull(column, "a column name given to returnGeneratedValues must not be null");
        }
        if (HAS_RETURNING.matcher(QUOTED.matcher(sql).replaceAll("")).find()) {
            throw new IllegalStateException("returnGeneratedValues on a statement with a RETURNING clause of its own"
                    + " would add a second one: leave one of them out");
        }
        this.generatedColumns = columns.clone();
        return this;
    }

    @Override
    public PgStatement fetchSize(int rows) {
        if (rows < 0) {
            throw new IllegalArgumentException("fetchSize must not be negative, was " + rows);
        }
        // every result is read whole: the fetch size is a hint this client does not use yet
        return this;
    }

    @Override
    public Flux<Result> execute() {
        String text = sql;
        if (generatedColumns != null) {
            // after the statement's own end (a trailing ';' would make two commands, a '--' comment eat the clause)
            text = TRAILING_END.matcher(sql).replaceFirst("") + "\nRETURNING "
                    + (generatedColumns.length == 0 ? "*" : String.join(", ", generatedColumns));
        }
        List<BindValue[]> all = null;
        if (parameterCount > 0) {
            if (boundInCurrent == 0 && !bindings.isEmpty()) {
                return Flux.error(new IllegalStateException("execute() after a trailing add(): bind the next"
                        + " binding's parameters or leave out the last add()"));
            }
            if (boundInCurrent > 0 || bindings.isEmpty()) {
                checkComplete();
                all = new ArrayList<>(bindings);
                all.add(current);
            } else {
                all = new ArrayList<>(bindings);
            }
        }
        if (all == null && single) {
            // one statement without placeholders is prepared and cached too, when the connection caches
            all = Exchange.NO_PARAMETERS;
        }
        String finalSql = text;
        List<BindValue[]> finalBindings = all;
        if (finalBindings != null && hasLob(finalBindings)) {
            // Blob and Clob contents are read first, off the event loop's write path
            return Flux.fromIterable(finalBindings)
                    .concatMap(values -> Flux.fromArray(values).concatMap(BindValue::resolve).collectList()
                            .map(list -> list.toArray(new BindValue[0])))
                    .collectList()
                    .flatMapMany(resolved -> connection.exchange(finalSql, resolved));
        }
        return connection.exchange(finalSql, finalBindings);
    }

    private static boolean hasLob(List<BindValue[]> all) {
        for (BindValue[] values : all) {
            for (BindValue v : values) {
                if (v.lob != null) {
                    return true;
                }
            }
        }
        return false;
    }
}
