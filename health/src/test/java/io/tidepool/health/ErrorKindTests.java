package io.tidepool.health;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.PoolConfiguration;
import io.tidepool.stats.PoolStats;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ConnectionCreateTimeoutException;
import io.tidepool.error.PoolAcquireTimeoutException;
import io.tidepool.error.PoolClosedException;
import io.tidepool.error.PoolPendingLimitException;
import io.tidepool.error.PoolStartException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class ErrorKindTests {

    /** A snapshot from a pool that never connects: built, not started, closed. */
    private static final PoolStats STATS = statsOfAnIdlePool();

    private static PoolStats statsOfAnIdlePool() {
        TidepoolPool pool = PoolConfiguration.builder().url("r2dbc:postgresql://nobody@127.0.0.1:1/none").name("p")
                .buildPool();
        PoolStats stats = pool.stats();
        pool.close().block(Duration.ofSeconds(10));
        return stats;
    }

    @Test
    void connectionErrors() {
        assertThat(ErrorKind.of(new ConnectException("Connection refused"))).isEqualTo(ErrorKind.CONNECTION);
        assertThat(ErrorKind.of(new ClosedChannelException())).isEqualTo(ErrorKind.CONNECTION);
        assertThat(ErrorKind.of(new R2dbcNonTransientResourceException("closed", "08006")))
                .isEqualTo(ErrorKind.CONNECTION);
        assertThat(ErrorKind.of(new R2dbcTransientResourceException("terminating", "57P01")))
                .isEqualTo(ErrorKind.CONNECTION);
        assertThat(ErrorKind.of(new R2dbcTransientResourceException("crash", "57P02")))
                .isEqualTo(ErrorKind.CONNECTION);
        assertThat(ErrorKind.of(new R2dbcTransientResourceException("starting", "57P03")))
                .isEqualTo(ErrorKind.CONNECTION);
        assertThat(ErrorKind.of(new R2dbcNonTransientResourceException("Cannot exchange messages")))
                .isEqualTo(ErrorKind.CONNECTION);
        assertThat(ErrorKind.of(new IllegalStateException("wrapped", new IOException("reset"))))
                .isEqualTo(ErrorKind.CONNECTION);
    }

    @Test
    void timeouts() {
        assertThat(ErrorKind.of(new TimeoutException())).isEqualTo(ErrorKind.TIMEOUT);
        assertThat(ErrorKind.of(new R2dbcTimeoutException("slow"))).isEqualTo(ErrorKind.TIMEOUT);
        assertThat(ErrorKind.of(new R2dbcNonTransientResourceException("canceling statement", "57014")))
                .isEqualTo(ErrorKind.TIMEOUT);
        // the core classifier counts a connection that could not be opened in time as a connection failure
        assertThat(ErrorKind.of(new ConnectionCreateTimeoutException("p", "host", Duration.ofSeconds(1), STATS)))
                .isEqualTo(ErrorKind.CONNECTION);
    }

    @Test
    void poolExhaustion() {
        assertThat(ErrorKind.of(new PoolAcquireTimeoutException("p", Duration.ofSeconds(1), STATS)))
                .isEqualTo(ErrorKind.POOL_EXHAUSTED);
        assertThat(ErrorKind.of(new PoolPendingLimitException("p", STATS))).isEqualTo(ErrorKind.POOL_EXHAUSTED);
    }

    @Test
    void authentication() {
        assertThat(ErrorKind.of(new R2dbcPermissionDeniedException("password authentication failed", "28P01")))
                .isEqualTo(ErrorKind.AUTH);
        assertThat(ErrorKind.of(new R2dbcPermissionDeniedException("role is not permitted to log in", "28000")))
                .isEqualTo(ErrorKind.AUTH);
        assertThat(ErrorKind.of(new PoolStartException("p", "refused", 1, STATS,
                new R2dbcPermissionDeniedException("no", "28P01")))).isEqualTo(ErrorKind.AUTH);
    }

    @Test
    void everythingElse() {
        assertThat(ErrorKind.of(new R2dbcBadGrammarException("syntax", "42601"))).isEqualTo(ErrorKind.OTHER);
        // 42501 (insufficient privilege) is the core's permission category, but one statement's trouble, not the
        // server's: as auth it would turn a saturated pool DOWN and fire the outage alert
        assertThat(ErrorKind.of(new R2dbcPermissionDeniedException("permission denied for table", "42501")))
                .isEqualTo(ErrorKind.OTHER);
        assertThat(ErrorKind.of(new PoolClosedException("p", STATS))).isEqualTo(ErrorKind.OTHER);
        assertThat(ErrorKind.of(new IllegalStateException("user code"))).isEqualTo(ErrorKind.OTHER);
        assertThat(ErrorKind.of(null)).isEqualTo(ErrorKind.OTHER);
    }

    @Test
    void tagValuesAreLowerCase() {
        assertThat(ErrorKind.POOL_EXHAUSTED.tagValue()).isEqualTo("pool_exhausted");
    }
}
