package io.tidepool;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.tidepool.error.ConnectionReturnedException;
import io.tidepool.error.CredentialsUnavailableException;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.PoolException;
import io.tidepool.error.PoolValidationException;
import io.tidepool.test.PoolFixture;
import io.tidepool.test.PoolTest;
import io.tidepool.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;

import static io.tidepool.test.PoolFixture.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Every error the pool raises is a {@link PoolException} naming the pool and carrying its state, as promised. */
@Timeout(60)
class PoolErrorTypesTests extends PoolTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void connectionsFailingValidationOneAfterAnotherEndTheAcquireWithAPoolValidationException() {
        // every connection fails its check, the new ones included: the acquire tries maxSize + 1 and gives up
        pool = PoolFixture.builder("err-validation").maxSize(2).validateAfterIdle(Duration.ZERO)
                .validationQuery("SELECT * FROM no_such_table").buildPool();

        StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(PoolValidationException.class)
                            .isInstanceOf(R2dbcTransientResourceException.class)
                            .isInstanceOf(PoolException.class)
                            .hasMessageStartingWith("pool '" + pool.name()
                                    + "': 3 connections in a row failed validation (allocated=");
                    PoolValidationException failure = (PoolValidationException) e;
                    assertThat(failure.poolName()).isEqualTo(pool.name());
                    assertThat(failure.failures()).isEqualTo(3);
                    assertThat(failure.stats().validationFailures()).isEqualTo(3);
                    assertThat(pool.configuration().errorClassifier().classify(e))
                            .isEqualTo(ErrorCategory.TRANSIENT_CONNECTION);
                })
                .verify(WAIT);
        assertNoLeak(pool, 0);
    }

    @Test
    void aPasswordSupplierThatGivesNothingFailsWithCredentialsUnavailable() {
        pool = PoolFixture.builder("err-credentials").passwordSupplier(Mono::empty).buildPool();

        StepVerifier.create(pool.withConnection(Sql::backendPid))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(CredentialsUnavailableException.class)
                            .isInstanceOf(R2dbcTransientResourceException.class)
                            .hasMessageStartingWith("pool '" + pool.name()
                                    + "': passwordSupplier gave no password, so no connection can be opened (");
                    assertThat(((PoolException) e).poolName()).isEqualTo(pool.name());
                    assertThat(((PoolException) e).stats().acquired()).isZero();
                })
                .verify(WAIT);
        assertNoLeak(pool, 0);
    }

    @Test
    void usingAReturnedConnectionIsAConnectionReturnedExceptionAndStillAnIllegalStateException() {
        pool = PoolFixture.builder("err-returned").maxSize(1).buildPool();
        Connection c = pool.create().block(WAIT);
        var begin = c.beginTransaction();
        Mono.from(c.close()).block(WAIT);

        Throwable thrown = catchThrowable(() -> c.createStatement("SELECT 1"));
        assertThat(thrown).isInstanceOf(ConnectionReturnedException.class).isInstanceOf(IllegalStateException.class)
                .hasMessage("connection of pool '" + pool.name()
                        + "' was already returned to the pool and must not be used any more");
        assertThat(((PoolException) thrown).poolName()).isEqualTo(pool.name());
        assertThat(((PoolException) thrown).stats().acquired()).isZero();
        StepVerifier.create(begin).expectError(ConnectionReturnedException.class).verify(WAIT);
        assertNoLeak(pool, 1);
    }
}
