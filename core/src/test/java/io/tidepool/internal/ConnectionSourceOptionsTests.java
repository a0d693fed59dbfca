package io.tidepool.internal;

import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.tidepool.PoolConfiguration;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The options the connection source opens connections with: its own defaults, and the user's where given. */
class ConnectionSourceOptionsTests {

    private static final String URL = "r2dbc:postgresql://app@db:5432/orders";

    @Test
    void connectionsSpreadOverTheSharedEventLoopsWithTcpKeepaliveAndTheCreateTimeout() {
        ConnectionFactoryOptions options = ConnectionSource.driverOptions(PoolConfiguration.builder().url(URL)
                .createTimeout(Duration.ofSeconds(3)).build(), null);
        assertThat(options.getValue(PostgresqlConnectionFactoryProvider.LOOP_RESOURCES)).isSameAs(EventLoops.shared());
        assertThat(options.getValue(PostgresqlConnectionFactoryProvider.TCP_KEEPALIVE)).isEqualTo(true);
        assertThat(options.getValue(ConnectionFactoryOptions.CONNECT_TIMEOUT)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void whatTheUrlSetsWins() {
        ConnectionFactoryOptions options = ConnectionSource.driverOptions(PoolConfiguration.builder()
                .url(URL + "?tcpKeepAlive=false&connectTimeout=PT1S").build(), "rotated");
        assertThat(options.getValue(PostgresqlConnectionFactoryProvider.TCP_KEEPALIVE)).isEqualTo("false");
        assertThat(options.getValue(ConnectionFactoryOptions.CONNECT_TIMEOUT)).isEqualTo("PT1S");
        assertThat(options.getValue(ConnectionFactoryOptions.PASSWORD)).hasToString("rotated");
    }

    /** Of several hosts, each gets its share of the create timeout: a silent first host leaves time for the others. */
    @Test
    void eachOfSeveralHostsGetsItsShareOfTheCreateTimeout() {
        ConnectionFactoryOptions options = ConnectionSource.driverOptions(PoolConfiguration.builder()
                .url("r2dbc:postgresql:failover://app@db1:5432,db2:5432,db3:5432/orders?targetServerType=primary")
                .createTimeout(Duration.ofSeconds(3)).build(), null);
        assertThat(options.getValue(ConnectionFactoryOptions.CONNECT_TIMEOUT)).isEqualTo(Duration.ofSeconds(1));
    }
}
