package io.tidepool.internal;

import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A statement of a multiplexed borrower that is not pinned (yet) when the statement is made. Where it runs is decided
 * when it executes, since a borrower may pin in between (reactive code often makes its statements as it assembles
 * the pipeline, before the BEGIN ahead of them has run): on the pinned connection if the borrower is pinned by then or
 * the SQL itself pins ({@link Pinning}), on the lane otherwise. What the borrower binds goes at once into the lane's
 * statement, which checks it as the R2DBC contract asks (a bad index, a null value, an incomplete binding fail at
 * the call), and is recorded too, to be replayed on the pinned connection's statement if it runs there.
 */
final class VirtualStatement implements Statement {

    private static final int FEW_STEPS = 4;

    private final String sql;
    private final boolean pins;
    private final VirtualConnection connection;
    private final Statement onLane;
    private @Nullable List<Consumer<Statement>> steps;

    VirtualStatement(String sql, Statement onLane, boolean pins, VirtualConnection connection) {
        this.sql = sql;
        this.onLane = onLane;
        this.pins = pins;
        this.connection = connection;
    }

    /** Applies {@code step} to the lane's statement now (which checks it) and keeps it for a replay. */
    private void record(Consumer<Statement> step) {
        step.accept(onLane);
        keep(step);
    }

    private void keep(Consumer<Statement> step) {
        List<Consumer<Statement>> s = steps;
        if (s == null) {
            s = new ArrayList<>(FEW_STEPS);
            steps = s;
        }
        s.add(step);
    }

    @Override
    public Statement add() {
        record(Statement::add);
        return this;
    }

    @Override
    public Statement bind(int index, Object value) {
        record(s -> s.bind(index, value));
        return this;
    }

    @Override
    public Statement bind(String name, Object value) {
        record(s -> s.bind(name, value));
        return this;
    }

    @Override
    public Statement bindNull(int index, Class<?> type) {
        record(s -> s.bindNull(index, type));
        return this;
    }

    @Override
    public Statement bindNull(String name, Class<?> type) {
        record(s -> s.bindNull(name, type));
        return this;
    }

    @Override
    public Statement returnGeneratedValues(String... columns) {
        onLane.returnGeneratedValues(columns);
        String[] copy = columns.clone();
        keep(s -> s.returnGeneratedValues(copy));
        return this;
    }

    @Override
    public Statement fetchSize(int rows) {
        record(s -> s.fetchSize(rows));
        return this;
    }

    @Override
    public Flux<Result> execute() {
        List<Consumer<Statement>> recorded = steps == null ? List.of() : List.copyOf(steps);
        // the lane's statement takes its bindings now (an execute() after it is changed must not see the change)
        Flux<Result> laneRun = pins ? Flux.empty() : Flux.from(onLane.execute());
        return Flux.defer(() -> {
            if (pins || connection.isPinned()) {
                return connection.<Result>manyOnPinned(pinned ->
                        Flux.from(replayed(pinned.createStatement(sql), recorded).execute()));
            }
            return laneRun;
        });
    }

    private static Statement replayed(Statement statement, List<Consumer<Statement>> recorded) {
        for (Consumer<Statement> step : recorded) {
            step.accept(statement);
        }
        return statement;
    }
}
