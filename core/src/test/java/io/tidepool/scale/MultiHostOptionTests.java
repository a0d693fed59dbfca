package io.tidepool.scale;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import io.tidepool.PoolConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** r2dbc-postgresql's multi-host URL forms, accepted and checked. Pure logic: no server. */
class MultiHostOptionTests {

    private static final Option<Object> TARGET = Option.valueOf("targetServerType");

    @ParameterizedTest
    @ValueSource(strings = {"r2dbc:tidepool:postgresql:failover", "r2dbc:postgresql:failover",
            "r2dbc:pool:postgresql:failover"})
    void theFailoverFormsAreAccepted(String scheme) {
        PoolConfiguration config = PoolConfiguration.builder()
                .url(scheme + "://app:s3cret-pw@db1.example:5432,db2.example:5433/orders?targetServerType=primary")
                .build();
        ConnectionFactoryOptions driver = config.driverOptions().orElseThrow();
        assertThat(driver.getValue(ConnectionFactoryOptions.DRIVER)).isEqualTo("postgresql");
        assertThat(driver.getValue(ConnectionFactoryOptions.PROTOCOL)).isEqualTo("failover");
        assertThat(driver.getValue(ConnectionFactoryOptions.HOST)).isEqualTo("db1.example:5432,db2.example:5433");
        assertThat(driver.getValue(TARGET)).isEqualTo("primary");
        assertThat(config.target()).isEqualTo("postgresql://app@db1.example:5432,db2.example:5433/orders");
        assertThat(config.toString()).doesNotContain("s3cret");
    }

    @ParameterizedTest
    @CsvSource({"primary,primary", "standby,secondary", "preferStandby,preferSecondary", "any,any",
            "secondary,secondary", "preferSecondary,preferSecondary", "PRIMARY,primary"})
    void targetsInTidepoolsWordsOrTheDriversGoToTheDriverInItsOwn(String given, String driverName) {
        assertThat(PoolConfiguration.builder()
                .url("r2dbc:postgresql:failover://app@h1,h2:5433/db?targetServerType=" + given).build()
                .driverOptions().orElseThrow().getValue(TARGET)).isEqualTo(driverName);
    }

    @Test
    void hostsWithAndWithoutPorts() {
        assertThat(PoolConfiguration.builder()
                .url("r2dbc:postgresql:failover://app@10.0.0.1:5432,db-2.internal,localhost:6432/db").build()
                .driverOptions().orElseThrow().getValue(ConnectionFactoryOptions.HOST))
                .isEqualTo("10.0.0.1:5432,db-2.internal,localhost:6432");
    }

    @Test
    void aBadTargetNamesTheOption() {
        assertThatThrownBy(() -> PoolConfiguration.builder()
                .url("r2dbc:postgresql:failover://app@h1,h2/db?targetServerType=leader"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("targetServerType must be primary, standby, preferStandby or any, was 'leader'");
    }

    /** An unencoded '/' in the password makes the parser read part of the user info as the host list. */
    @ParameterizedTest
    @ValueSource(strings = {"r2dbc:postgresql:failover://app:pa/ss-Wd@h1:5432,h2:5433/db",
            "r2dbc:tidepool:postgresql:failover://app:12345/x@h1:5432,h2:5433/db",
            "r2dbc:postgresql:failover://app:pa?ss@h1,h2/db"})
    void aPasswordReadAsTheHostListIsRefusedWithoutShowingIt(String url) {
        assertThatThrownBy(() -> PoolConfiguration.builder().url(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("url: its host list (host1:port1,host2:port2) cannot be told from its user "
                        + "info")
                .message().doesNotContain("pa/ss").doesNotContain("12345").doesNotContain("pa?ss")
                .doesNotContain("ss-Wd");
    }

    @Test
    void singleHostUrlsKeepTheirPasswordCheck() {
        assertThatThrownBy(() -> PoolConfiguration.builder().url("r2dbc:postgresql://app:pa/ss@db:5432/orders"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("url: its host cannot be told from its user info");
        assertThatThrownBy(() -> PoolConfiguration.builder().url("r2dbc:postgresql://h1:5432,h2:5432/orders"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("url: its host cannot be told from its user info");
    }

    /** The native client takes the same URL: the host list and the target reach its configuration. */
    @Test
    void theNativeClientTakesFailoverUrls() {
        PoolConfiguration config = PoolConfiguration.builder()
                .url("r2dbc:tidepool:postgresql:failover://app:s3cret-pw@db1.example:5432,db2.example:5433/orders"
                        + "?targetServerType=preferStandby&client=native")
                .build();
        assertThat(config.client()).isEqualTo(io.tidepool.ProtocolClient.NATIVE);
        io.tidepool.pg.PgConnectionConfiguration pg =
                io.tidepool.pg.PgConnectionConfiguration.from(config.driverOptions().orElseThrow());
        assertThat(pg.hosts()).containsExactly(new io.tidepool.pg.PgHost("db1.example", 5432),
                new io.tidepool.pg.PgHost("db2.example", 5433));
        assertThat(pg.targetServerType()).isEqualTo(io.tidepool.pg.PgTargetServerType.PREFER_STANDBY);
        assertThat(pg.toString()).doesNotContain("s3cret");
        assertThat(PoolConfiguration.builder().url("r2dbc:postgresql:failover://app@h1,h2/db?targetServerType=primary"
                + "&client=native").build().followsPrimary()).isTrue();
    }
}
