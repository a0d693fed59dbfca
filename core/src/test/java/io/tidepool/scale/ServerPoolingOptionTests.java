package io.tidepool.scale;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import io.tidepool.PoolConfiguration;
import io.tidepool.ServerPooling;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code serverPooling} option: URL, builder and driver options. Pure logic: no server. */
class ServerPoolingOptionTests {

    private static final String URL = "r2dbc:postgresql://app:s3cret-pw@db.example:6432/orders";
    private static final Option<Object> CACHE = Option.valueOf("preparedStatementCacheQueries");

    @Test
    void sessionByDefaultAndTheDriverKeepsItsCache() {
        PoolConfiguration config = PoolConfiguration.builder().url(URL).build();
        assertThat(config.serverPooling()).isEqualTo(ServerPooling.SESSION);
        assertThat(config.driverOptions().orElseThrow().hasOption(CACHE)).isFalse();
    }

    @Test
    void transactionModeFromTheUrlTurnsTheDriversNamedStatementsOff() {
        PoolConfiguration config = PoolConfiguration.builder()
                .url("r2dbc:tidepool:postgresql://app:s3cret-pw@db.example:6432/orders?serverPooling=transaction")
                .build();
        assertThat(config.serverPooling()).isEqualTo(ServerPooling.TRANSACTION);
        assertThat(config.driverOptions().orElseThrow().getValue(CACHE)).isEqualTo(0);
        assertThat(config.toString()).contains("serverPooling=TRANSACTION").doesNotContain("s3cret");
    }

    @Test
    void transactionModeFromTheBuilderAnyCaseInTheUrl() {
        assertThat(PoolConfiguration.builder().url(URL).serverPooling(ServerPooling.TRANSACTION).build()
                .driverOptions().orElseThrow().getValue(CACHE)).isEqualTo(0);
        assertThat(PoolConfiguration.builder().url(URL + "?serverPooling=TRANSACTION").build().serverPooling())
                .isEqualTo(ServerPooling.TRANSACTION);
        assertThat(PoolConfiguration.builder().options(ConnectionFactoryOptions.parse(URL).mutate()
                        .option(Option.valueOf("serverPooling"), ServerPooling.TRANSACTION).build()).build()
                .serverPooling()).isEqualTo(ServerPooling.TRANSACTION);
    }

    @Test
    void aCacheSizeTheUserSetIsKept() {
        // PgBouncer 1.21+ with max_prepared_statements keeps named statements: the user's choice stands
        PoolConfiguration config = PoolConfiguration.builder()
                .url(URL + "?serverPooling=transaction&preparedStatementCacheQueries=100").build();
        assertThat(config.driverOptions().orElseThrow().getValue(CACHE)).isEqualTo("100");
    }

    @Test
    void connectionSetupSqlIsRefusedInTransactionMode() {
        assertThatThrownBy(() -> PoolConfiguration.builder().url(URL + "?serverPooling=transaction")
                .connectionInitSql("SET search_path = app").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connectionInitSql must not be set with serverPooling=transaction (a pooler lends another "
                        + "server connection after each transaction), was 'SET search_path = app'");
    }

    @Test
    void badValuesNameTheOption() {
        assertThatThrownBy(() -> PoolConfiguration.builder().url(URL + "?serverPooling=statement"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("serverPooling must be session or transaction, was 'statement'");
        assertThatThrownBy(() -> PoolConfiguration.builder().serverPooling(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("serverPooling must not be null");
        assertThatThrownBy(() -> PoolConfiguration.builder().url(URL + "?serverpooling=transaction"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("option 'serverpooling' is not known: did you mean 'serverPooling'?");
    }
}
