package io.tidepool.pg.internal;

import io.tidepool.pg.PgServerError;
import org.jspecify.annotations.Nullable;

/**
 * A server error as every exception type of the client carries it: each extends its own R2DBC category, so the
 * fields come from one place, {@link #fields()}, instead of seventeen delegating methods per type.
 */
interface ServerErrorView extends PgServerError {

    /** Every field the server sent. */
    ServerErrorFields fields();

    @Override
    default String severity() {
        return fields().severity();
    }

    @Override
    default String code() {
        return fields().code();
    }

    @Override
    default String message() {
        return fields().message();
    }

    @Override
    default @Nullable String detail() {
        return fields().detail();
    }

    @Override
    default @Nullable String hint() {
        return fields().hint();
    }

    @Override
    default @Nullable String position() {
        return fields().position();
    }

    @Override
    default @Nullable String internalPosition() {
        return fields().internalPosition();
    }

    @Override
    default @Nullable String internalQuery() {
        return fields().internalQuery();
    }

    @Override
    default @Nullable String where() {
        return fields().where();
    }

    @Override
    default @Nullable String schema() {
        return fields().schema();
    }

    @Override
    default @Nullable String table() {
        return fields().table();
    }

    @Override
    default @Nullable String column() {
        return fields().column();
    }

    @Override
    default @Nullable String dataType() {
        return fields().dataType();
    }

    @Override
    default @Nullable String constraint() {
        return fields().constraint();
    }

    @Override
    default @Nullable String file() {
        return fields().file();
    }

    @Override
    default @Nullable String line() {
        return fields().line();
    }

    @Override
    default @Nullable String routine() {
        return fields().routine();
    }
}
