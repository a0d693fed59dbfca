package io.tidepool.error;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcRollbackException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.tidepool.stats.PoolStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every row of the table, and what each category decides. Pure logic; the server's own errors are in the DB test. */
class ErrorClassifierTests {

    private static final PoolStats STATS = new PoolStats("p", 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);

    private static R2dbcException withState(String sqlState) {
        return new R2dbcException("server said no", sqlState) {
            private static final long serialVersionUID = 1L;
        };
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "08000, TRANSIENT_CONNECTION", "08006, TRANSIENT_CONNECTION", "08P01, TRANSIENT_CONNECTION",
            "57P01, TRANSIENT_CONNECTION", "57P02, TRANSIENT_CONNECTION", "57P03, TRANSIENT_CONNECTION",
            "40001, TRANSACTION_CONFLICT", "40P01, TRANSACTION_CONFLICT",
            "57014, TIMEOUT", "55P03, TIMEOUT",
            "23505, INTEGRITY", "23503, INTEGRITY", "23502, INTEGRITY",
            "42601, PROGRAMMING", "42P01, PROGRAMMING", "0A000, PROGRAMMING",
            "22012, DATA", "22P02, DATA",
            "28000, PERMISSION", "28P01, PERMISSION", "42501, PERMISSION",
            "3D000, CONFIGURATION",
            "53300, SERVER_RESOURCES", "53200, SERVER_RESOURCES", "53100, SERVER_RESOURCES",
            "XX000, UNKNOWN", "40000, UNKNOWN", "57000, UNKNOWN"})
    void everySqlStateRow(String sqlState, ErrorCategory category) {
        assertThat(ErrorClassifier.defaults().classify(withState(sqlState))).isEqualTo(category);
    }

    @Test
    void errorsWithoutSqlStateAreClassifiedByType() {
        ErrorClassifier c = ErrorClassifier.defaults();
        assertThat(c.classify(new IOException("reset by peer"))).isEqualTo(ErrorCategory.TRANSIENT_CONNECTION);
        assertThat(c.classify(new R2dbcNonTransientResourceException("closed"))).isEqualTo(
                ErrorCategory.TRANSIENT_CONNECTION);
        assertThat(c.classify(new PoolAcquireTimeoutException("p", Duration.ofSeconds(1), STATS)))
                .isEqualTo(ErrorCategory.POOL_EXHAUSTED);
        assertThat(c.classify(new PoolPendingLimitException("p", STATS))).isEqualTo(ErrorCategory.POOL_EXHAUSTED);
        assertThat(c.classify(new PoolClosedException("p", STATS))).isEqualTo(ErrorCategory.POOL_CLOSED);
        assertThat(c.classify(new ConnectionCreateTimeoutException("p", "db", Duration.ofSeconds(1), STATS)))
                .isEqualTo(ErrorCategory.TRANSIENT_CONNECTION);
        assertThat(c.classify(new R2dbcTimeoutException("slow"))).isEqualTo(ErrorCategory.TIMEOUT);
        assertThat(c.classify(new TimeoutException("slow"))).isEqualTo(ErrorCategory.TIMEOUT);
        assertThat(c.classify(new R2dbcPermissionDeniedException("no"))).isEqualTo(ErrorCategory.PERMISSION);
        assertThat(c.classify(new R2dbcBadGrammarException("no"))).isEqualTo(ErrorCategory.PROGRAMMING);
        assertThat(c.classify(new R2dbcDataIntegrityViolationException("no"))).isEqualTo(ErrorCategory.INTEGRITY);
        assertThat(c.classify(new R2dbcRollbackException("no"))).isEqualTo(ErrorCategory.TRANSACTION_CONFLICT);
        assertThat(c.classify(new IllegalArgumentException("bad option"))).isEqualTo(ErrorCategory.CONFIGURATION);
        assertThat(c.classify(new IllegalStateException("boom"))).isEqualTo(ErrorCategory.UNKNOWN);
        assertThat(c.classify(new R2dbcException("Cannot connect", "08003",
                new javax.net.ssl.SSLHandshakeException("No subject alternative names")) {
            private static final long serialVersionUID = 1L;
        })).as("a refused certificate inside the driver's 08003").isEqualTo(ErrorCategory.CONFIGURATION);
        assertThat(c.classify(null)).isEqualTo(ErrorCategory.UNKNOWN);
    }

    @Test
    void theDeepestSqlStateInTheCauseChainDecidesWithinTheDepthLimit() {
        ErrorClassifier c = ErrorClassifier.defaults();
        RuntimeException wrapped = new RuntimeException("outer", new IllegalStateException("mid", withState("40001")));
        assertThat(c.classify(wrapped)).isEqualTo(ErrorCategory.TRANSACTION_CONFLICT);

        // r2dbc-postgresql wraps a refused login in its own 08003: the server's 28P01 must decide, or it is retried
        R2dbcException cannotConnect = new R2dbcException("Cannot connect", "08003", withState("28P01")) {
            private static final long serialVersionUID = 1L;
        };
        assertThat(c.classify(cannotConnect)).isEqualTo(ErrorCategory.PERMISSION);
        assertThat(ErrorClassifier.sqlState(cannotConnect)).isEqualTo("28P01");

        Throwable deep = withState("23505");
        for (int i = 0; i < ErrorClassifier.MAX_DEPTH; i++) {
            deep = new RuntimeException("level " + i, deep);
        }
        assertThat(c.classify(deep)).as("beyond the depth limit").isEqualTo(ErrorCategory.UNKNOWN);

        RuntimeException cycle = new RuntimeException("a");
        RuntimeException other = new RuntimeException("b", cycle);
        cycle.initCause(other);
        assertThat(c.classify(cycle)).isEqualTo(ErrorCategory.UNKNOWN);
    }

    @Test
    void whatEachCategoryDecides() {
        assertThat(ErrorCategory.TRANSIENT_CONNECTION.discardsConnection()).isTrue();
        assertThat(ErrorCategory.TRANSIENT_CONNECTION.retryable()).isTrue();
        assertThat(ErrorCategory.TRANSACTION_CONFLICT.discardsConnection()).isFalse();
        assertThat(ErrorCategory.TRANSACTION_CONFLICT.retryable()).isTrue();
        assertThat(ErrorCategory.POOL_EXHAUSTED.retryable()).isTrue();
        assertThat(ErrorCategory.SERVER_RESOURCES.retryable()).isTrue();
        for (ErrorCategory never : new ErrorCategory[] {ErrorCategory.INTEGRITY, ErrorCategory.PROGRAMMING,
                ErrorCategory.DATA, ErrorCategory.PERMISSION, ErrorCategory.CONFIGURATION, ErrorCategory.TIMEOUT,
                ErrorCategory.POOL_CLOSED, ErrorCategory.UNKNOWN}) {
            assertThat(never.retryable()).as(never.name()).isFalse();
            assertThat(never.discardsConnection()).as(never.name()).isFalse();
        }
    }

    @Test
    void aRowCanBeOverriddenWithoutChangingTheDefaults() {
        ErrorClassifier custom = ErrorClassifier.defaults().withSqlState("55P03", ErrorCategory.TRANSACTION_CONFLICT)
                .withSqlState("XX", ErrorCategory.TRANSIENT_CONNECTION);

        assertThat(custom.classify(withState("55P03"))).isEqualTo(ErrorCategory.TRANSACTION_CONFLICT);
        assertThat(custom.classify(withState("XX001"))).isEqualTo(ErrorCategory.TRANSIENT_CONNECTION);
        assertThat(ErrorClassifier.defaults().classify(withState("55P03"))).isEqualTo(ErrorCategory.TIMEOUT);
        assertThatThrownBy(() -> custom.withSqlState("4000", ErrorCategory.UNKNOWN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sqlState must be a SQLSTATE code like 40001 or a class like 40, was '4000'");
    }

    @Test
    void describeKeepsTheServersDetailAndSaysTheCategory() {
        assertThat(ErrorClassifier.defaults().describe(withState("23505")))
                .isEqualTo("the data violates a constraint [23505]: server said no");
    }
}
