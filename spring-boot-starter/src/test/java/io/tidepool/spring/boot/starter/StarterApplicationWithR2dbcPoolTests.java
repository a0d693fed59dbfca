package io.tidepool.spring.boot.starter;

import io.tidepool.TidepoolPool;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same application with r2dbc-pool on the class path (its own surefire execution, see the pom): Spring Boot
 * would wrap any URL in an r2dbc-pool ConnectionPool (initial-size 10 by default), a pool of pools whose connections
 * look borrowed for good. With the starter, Tidepool's pool is the ConnectionFactory and there is no ConnectionPool.
 */
@Timeout(120)
class StarterApplicationWithR2dbcPoolTests {

    @Test
    void withR2dbcPoolOnTheClassPathTheConnectionFactoryIsStillTidepoolsAlone() throws Exception {
        Class<?> connectionPool = Class.forName("io.r2dbc.pool.ConnectionPool");
        RunningApplication app = RunningApplication.start();
        TidepoolPool pool;
        try {
            assertThat(app.context().getBeansOfType(connectionPool)).as("no r2dbc-pool ConnectionPool bean").isEmpty();
            pool = app.checkTheConnectionFactoryIsTidepools();
            app.checkRequestsAreServed();
            app.checkHealthAndMetrics();
            assertThat(TestDatabase.get().backends(app.poolName()).total())
                    .as("no more backends than Tidepool's max-size").isBetween(1, 5);
        } catch (RuntimeException | AssertionError e) {
            app.context().close();
            throw e;
        }
        app.closeAndCheckNothingIsLeft(pool);
    }
}
