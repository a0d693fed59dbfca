package io.tidepool.spring.boot.starter;

import io.tidepool.TidepoolPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An application with the starter and application.properties only (no r2dbc-pool on the class path, as with Spring
 * Boot 4's spring-boot-starter-r2dbc), on real HTTP and a real PostgreSQL. Its spring.r2dbc.pool.* keys would make
 * Spring Boot alone fail the start without r2dbc-pool; with Tidepool they are read as tidepool.*.
 */
@Timeout(120)
class StarterApplicationTests {

    @Test
    void theApplicationServesThroughTidepoolsPoolWithHealthAndMetricsAndLeavesNothingOpen() {
        assertThatThrownBy(() -> Class.forName("io.r2dbc.pool.ConnectionPool"))
                .as("r2dbc-pool is not on this class path").isInstanceOf(ClassNotFoundException.class);
        RunningApplication app = RunningApplication.start();
        TidepoolPool pool;
        try {
            pool = app.checkTheConnectionFactoryIsTidepools();
            app.checkRequestsAreServed();
            app.checkHealthAndMetrics();
        } catch (RuntimeException | AssertionError e) {
            app.context().close();
            throw e;
        }
        app.closeAndCheckNothingIsLeft(pool);
    }
}
