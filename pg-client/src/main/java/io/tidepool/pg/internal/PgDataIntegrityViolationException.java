package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.tidepool.pg.PgServerError;
import org.jspecify.annotations.Nullable;

/** A server error of SQLSTATE class 23 (integrity constraint violation), with every field the server sent. */
final class PgDataIntegrityViolationException extends R2dbcDataIntegrityViolationException implements PgServerError {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgDataIntegrityViolationException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public String severity() {
        return fields.severity();
    }

    @Override
    public String code() {
        return fields.code();
    }

    @Override
    public String message() {
        return fields.message();
    }

    @Override
    public @Nullable String detail() {
        return fields.detail();
    }

    @Override
    public @Nullable String hint() {
        return fields.hint();
    }

    @Override
    public @Nullable String position() {
        return fields.position();
    }

    @Override
    public @Nullable String internalPosition() {
        return fields.internalPosition();
    }

    @Override
    public @Nullable String internalQuery() {
        return fields.internalQuery();
    }

    @Override
    public @Nullable String where() {
        return fields.where();
    }

    @Override
    public @Nullable String schema() {
        return fields.schema();
    }

    @Override
    public @Nullable String table() {
        return fields.table();
    }

    @Override
    public @Nullable String column() {
        return fields.column();
    }

    @Override
    public @Nullable String dataType() {
        return fields.dataType();
    }

    @Override
    public @Nullable String constraint() {
        return fields.constraint();
    }

    @Override
    public @Nullable String file() {
        return fields.file();
    }

    @Override
    public @Nullable String line() {
        return fields.line();
    }

    @Override
    public @Nullable String routine() {
        return fields.routine();
    }
}
