package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcRollbackException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.pg.PgServerError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every row of the SQLSTATE-to-exception table. */
@org.junit.jupiter.api.Timeout(10)
class ServerErrorsTests {

    @ParameterizedTest
    @CsvSource({
            "42601, io.r2dbc.spi.R2dbcBadGrammarException",
            "42P01, io.r2dbc.spi.R2dbcBadGrammarException",
            "42501, io.r2dbc.spi.R2dbcPermissionDeniedException",
            "28P01, io.r2dbc.spi.R2dbcPermissionDeniedException",
            "28000, io.r2dbc.spi.R2dbcPermissionDeniedException",
            "23505, io.r2dbc.spi.R2dbcDataIntegrityViolationException",
            "23503, io.r2dbc.spi.R2dbcDataIntegrityViolationException",
            "40001, io.r2dbc.spi.R2dbcRollbackException",
            "40P01, io.r2dbc.spi.R2dbcRollbackException",
            "57014, io.r2dbc.spi.R2dbcTimeoutException",
            "55P03, io.r2dbc.spi.R2dbcTransientResourceException",
            "53300, io.r2dbc.spi.R2dbcTransientResourceException",
            "57P01, io.r2dbc.spi.R2dbcNonTransientResourceException",
            "08006, io.r2dbc.spi.R2dbcNonTransientResourceException",
            "58030, io.r2dbc.spi.R2dbcNonTransientResourceException",
            "XX000, io.r2dbc.spi.R2dbcNonTransientResourceException",
            "22012, io.r2dbc.spi.R2dbcNonTransientException",
            "0A000, io.r2dbc.spi.R2dbcNonTransientException",
    })
    void sqlStateMapsToItsCategory(String code, Class<? extends R2dbcException> expected) {
        ServerErrorFields fields = new ServerErrorFields(Map.of('V', "ERROR", 'C', code, 'M', "msg " + code,
                't', "a_table"));
        R2dbcException e = ServerErrors.toException(fields, "SELECT 1");
        assertThat(e).isInstanceOf(expected).isInstanceOf(PgServerError.class).hasMessage("msg " + code);
        assertThat(e.getSqlState()).isEqualTo(code);
        assertThat(e.getSql()).isEqualTo("SELECT 1");
        assertThat(((PgServerError) e).table()).isEqualTo("a_table");
        if (expected == R2dbcNonTransientException.class) {
            assertThat(e).isNotInstanceOfAny(R2dbcBadGrammarException.class,
                    R2dbcDataIntegrityViolationException.class, R2dbcNonTransientResourceException.class,
                    R2dbcPermissionDeniedException.class);
        }
        if (expected == R2dbcRollbackException.class || expected == R2dbcTimeoutException.class
                || expected == R2dbcTransientResourceException.class) {
            assertThat(e).isInstanceOf(io.r2dbc.spi.R2dbcTransientException.class);
        }
    }
}
