package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcBadGrammarException;
import org.jspecify.annotations.Nullable;

/** A server error of SQLSTATE class 42 (syntax error or access rule violation), with every field the server sent. */
final class PgBadGrammarException extends R2dbcBadGrammarException implements ServerErrorView {

    private static final long serialVersionUID = 1L;

    private final ServerErrorFields fields;

    PgBadGrammarException(ServerErrorFields fields, @Nullable String sql) {
        super(fields.message(), fields.code(), 0, sql);
        this.fields = fields;
    }

    @Override
    public ServerErrorFields fields() {
        return fields;
    }
}
