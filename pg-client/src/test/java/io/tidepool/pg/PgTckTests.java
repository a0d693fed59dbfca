package io.tidepool.pg;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.testing.PostgresTestKit;
import org.junit.jupiter.api.Timeout;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.JdbcTemplate;

/** The R2DBC SPI TCK (r2dbc-spi-test 1.0.0) against {@link PgConnectionFactory}; fixtures through pgjdbc. */
@Timeout(30)
class PgTckTests implements PostgresTestKit {

    private static final PgTestServer SERVER = PgTestServer.get();
    private static final PgConnectionFactory FACTORY = SERVER.factory();
    private static final JdbcTemplate JDBC = PostgresTestKit.jdbc("127.0.0.1", SERVER.port(), "postgres", "postgres",
            "");

    @Override
    public ConnectionFactory getConnectionFactory() {
        return FACTORY;
    }

    @Override
    public JdbcOperations getJdbcOperations() {
        return JDBC;
    }
}
