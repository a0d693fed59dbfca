package io.tidepool;

import io.r2dbc.spi.ValidationDepth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every bad value fails early with a message that names the option, the rule and the value. Pure logic: no server. */
class PoolConfigurationTests {

    private static final String UNENCODED_PASSWORD = "url: its host cannot be told from its user info; a password "
            + "holding '/', '?', '#' or '@' must be percent-encoded in the URL (%2F, %3F, %23, %40), or given as the "
            + "password option";

    private static final String URL = "r2dbc:postgresql://app:s3cret-pw@db.example:5432/orders";

    private static PoolConfiguration.Builder valid() {
        return PoolConfiguration.builder().url(URL);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.maxSize(0),
                        "maxSize must be at least 1, was 0"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.minIdle(-1),
                        "minIdle must be at least 0, was -1"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.initialSize(-2),
                        "initialSize must be at least 0, was -2"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.maxPendingAcquires(-1),
                        "maxPendingAcquires must be at least 0, was -1"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.acquireTimeout(Duration.ZERO),
                        "acquireTimeout must be positive, was PT0S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.acquireTimeout(Duration.ofSeconds(-1)),
                        "acquireTimeout must be positive, was PT-1S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.acquireTimeout(null),
                        "acquireTimeout must not be null"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.createTimeout(Duration.ZERO),
                        "createTimeout must be positive, was PT0S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.validateAfterIdle(Duration.ofMillis(-5)),
                        "validateAfterIdle must not be negative, was PT-0.005S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.validationTimeout(Duration.ZERO),
                        "validationTimeout must be positive, was PT0S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.validationQuery("  "),
                        "validationQuery must not be blank, was '  '"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.maxIdleTime(Duration.ZERO),
                        "maxIdleTime must be positive, was PT0S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.maxLifetime(Duration.ofMinutes(-1)),
                        "maxLifetime must be positive, was PT-1M"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.evictionInterval(Duration.ZERO),
                        "evictionInterval must be positive, was PT0S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.closeTimeout(Duration.ofSeconds(-3)),
                        "closeTimeout must not be negative, was PT-3S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.startTimeout(Duration.ZERO),
                        "startTimeout must be positive, was PT0S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.name("orders pool"),
                        "name must be 1 to 63 letters, digits, '.', '_' or '-', was 'orders pool'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.minIdle(11).build(),
                        "minIdle must not exceed maxSize (10), was 11"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.initialSize(12).build(),
                        "initialSize must not exceed maxSize (10), was 12"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.validationTimeout(Duration.ofSeconds(10))
                                .build(),
                        "validationTimeout must be less than acquireTimeout (PT10S), was PT10S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.multiplexConnections(0),
                        "multiplexConnections must be at least 1, was 0"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.multiplexConnections(65),
                        "multiplexConnections must be at most 64, was 65"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.multiplexDepth(257),
                        "multiplexDepth must be at most 256, was 257"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?multiplex=true").build(),
                        "multiplex=true needs client=native (the lane pipelines on Tidepool's own protocol client), "
                                + "was client=r2dbc-postgresql"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?multiplex=maybe"),
                        "multiplex must be true or false, was 'maybe'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL
                                + "?multiplex=true&client=native&serverPooling=transaction").build(),
                        "multiplex=true must not be set with serverPooling=transaction (the pooler in front already "
                                + "shares server connections), was both"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?maxSize=lots"),
                        "maxSize must be an integer, was 'lots'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?acquireTimeout=soon"),
                        "acquireTimeout must be a duration like PT2S, 2s or 500ms, was 'soon'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?acquireTimeout=99999999999999999999ms"),
                        "acquireTimeout must be a duration like PT2S, 2s or 500ms, was '99999999999999999999ms'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.acquireTimeout(Duration.ofMillis(Long.MAX_VALUE)),
                        "acquireTimeout must be under 292 years (what a nanosecond clock can count), was "
                                + "PT2562047788015H12M55.807S"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?maxsize=5"),
                        "option 'maxsize' is not known: did you mean 'maxSize'?"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?acquireTimout=5s"),
                        "option 'acquireTimout' is not known: did you mean 'acquireTimeout'?"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?maxSzie=5"),
                        "option 'maxSzie' is not known: did you mean 'maxSize'?"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?maxLifetim=PT30M"),
                        "option 'maxLifetim' is not known: did you mean 'maxLifetime'?"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?validationDepth=deep"),
                        "validationDepth must be LOCAL or REMOTE, was 'deep'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(URL + "?registerJmx=maybe"),
                        "registerJmx must be true or false, was 'maybe'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(
                                "r2dbc:mysql://app:s3cret-pw@db.example:3306/orders"),
                        "driver must be postgresql (r2dbc:postgresql:, r2dbc:tidepool:postgresql: or "
                                + "r2dbc:pool:postgresql:), was mysql"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url("postgres://app:s3cret-pw@db/orders"),
                        "url must be an R2DBC URL like r2dbc:postgresql://user@host:5432/database, was "
                                + "'postgres://app:***@db/orders'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url("postgres://app:s3cret-pw/x@db/orders"),
                        "url must be an R2DBC URL like r2dbc:postgresql://user@host:5432/database, was "
                                + "'postgres://app:***@db/orders'"),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(
                                "r2dbc:postgresql://app:s3cret-pw/x@db:5432/orders"), UNENCODED_PASSWORD),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.url(
                                "r2dbc:postgresql://app:s3cret-pw@x@db:5432/orders"), UNENCODED_PASSWORD),
                arguments((Consumer<PoolConfiguration.Builder>) b -> b.options(io.r2dbc.spi.ConnectionFactoryOptions
                                .parse("r2dbc:tidepool:postgresql://app:s3cret-pw#x@db/orders")), UNENCODED_PASSWORD));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void aBadValueFailsWithAMessageNamingOptionRuleAndValue(Consumer<PoolConfiguration.Builder> change,
                                                            String message) {
        assertThatThrownBy(() -> change.accept(valid()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-pw"));
    }

    @Test
    void anIpv6HostIsNotMistakenForAPasswordInTheHost() {
        for (String host : new String[] {"::1", "fe80::1%eth0", "2001:db8::10", "[::1]"}) {
            PoolConfiguration config = PoolConfiguration.builder().options(io.r2dbc.spi.ConnectionFactoryOptions
                    .builder().option(io.r2dbc.spi.ConnectionFactoryOptions.DRIVER, "postgresql")
                    .option(io.r2dbc.spi.ConnectionFactoryOptions.HOST, host).build()).build();
            assertThat(config.target()).as(host).contains(host);
        }
        assertThat(PoolConfiguration.builder().url("r2dbc:postgresql://app@[::1]:5432/orders").build().target())
                .isEqualTo("postgresql://app@[::1]:5432/orders");
    }

    @Test
    void noTargetIsAnError() {
        assertThatThrownBy(() -> PoolConfiguration.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("url must be set (or options, or connectionFactory), was not set");
    }

    @Test
    void theDefaultsAreSafe() {
        PoolConfiguration config = valid().build();

        assertThat(config.maxSize()).isEqualTo(10);
        assertThat(config.acquireTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.createTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.maxPendingAcquires()).isEqualTo(1000);
        assertThat(config.validateAfterIdle()).contains(Duration.ofMillis(500));
        assertThat(config.validationDepth()).isEqualTo(ValidationDepth.REMOTE);
        assertThat(config.maxIdleTime()).contains(Duration.ofMinutes(10));
        assertThat(config.maxLifetime()).contains(Duration.ofMinutes(30));
        assertThat(config.closeTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.validationTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aLaneMayGrowToTwiceItsConnectionsAndAtLeastToEight() {
        java.util.function.IntUnaryOperator most = n -> valid().client(ProtocolClient.NATIVE).multiplex(true)
                .multiplexConnections(n).build().multiplexMaxConnections();
        assertThat(most.applyAsInt(1)).isEqualTo(PoolConfiguration.MULTIPLEX_GROWTH_FLOOR);
        assertThat(most.applyAsInt(2)).isEqualTo(8);
        assertThat(most.applyAsInt(6)).isEqualTo(12);
        assertThat(most.applyAsInt(64)).isEqualTo(128);
        PoolConfiguration bounded = valid().client(ProtocolClient.NATIVE).multiplex(true).multiplexConnections(2)
                .multiplexMaxConnections(2).build();
        assertThat(bounded.multiplexMaxConnections()).isEqualTo(2);
        assertThat(bounded.maxServerConnections()).isEqualTo(bounded.maxSize() + 2);
    }

    @Test
    void anUnsetValidationTimeoutFollowsAShortAcquireTimeout() {
        assertThat(valid().acquireTimeout(Duration.ofSeconds(2)).build().validationTimeout())
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(valid().acquireTimeout(Duration.ofSeconds(2)).validationTimeout(Duration.ofMillis(1500)).build()
                .validationTimeout()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void disabledIsExplicitNotASentinel() {
        PoolConfiguration config = valid().validationDisabled().idleEvictionDisabled().maxLifetimeDisabled().build();
        assertThat(config.validateAfterIdle()).isEmpty();
        assertThat(config.maxIdleTime()).isEmpty();
        assertThat(config.maxLifetime()).isEmpty();

        PoolConfiguration byUrl = PoolConfiguration.builder()
                .url(URL + "?validateAfterIdle=disabled&maxIdleTime=disabled&maxLifetime=disabled").build();
        assertThat(byUrl.validateAfterIdle()).isEmpty();
        assertThat(byUrl.maxIdleTime()).isEmpty();
        assertThat(byUrl.maxLifetime()).isEmpty();
    }

    @Test
    void theMultiplexedLaneIsSetByUrlAndOffByDefault() {
        assertThat(valid().build().multiplexed()).isFalse();
        PoolConfiguration config = PoolConfiguration.builder()
                .url(URL + "?client=native&multiplex=true&multiplexConnections=3&multiplexDepth=8").build();
        assertThat(config.multiplexed()).isTrue();
        assertThat(config.multiplexConnections()).isEqualTo(3);
        assertThat(config.multiplexDepth()).isEqualTo(8);
        assertThat(config.toString()).contains("multiplex=true, multiplexConnections=3, multiplexDepth=8");
    }

    @Test
    void urlOptionsAndR2dbcPoolAliasesSetThePool() {
        PoolConfiguration config = PoolConfiguration.builder().url("r2dbc:pool:postgresql://app:s3cret-pw@db:5432/orders"
                + "?poolName=orders&maxSize=20&minIdle=2&initialSize=4&maxAcquireTime=PT2S"
                + "&maxCreateConnectionTime=3s&maxValidationTime=500ms&maxLifeTime=PT1H&maxIdleTime=5m"
                + "&validationQuery=SELECT%201&backgroundEvictionInterval=PT10S&acquireRetry=1&registerJmx=false"
                + "&applicationName=orders-api").build();

        assertThat(config.name()).isEqualTo("orders");
        assertThat(config.maxSize()).isEqualTo(20);
        assertThat(config.minIdle()).isEqualTo(2);
        assertThat(config.initialSize()).isEqualTo(4);
        assertThat(config.acquireTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.createTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.validationTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.maxLifetime()).contains(Duration.ofHours(1));
        assertThat(config.maxIdleTime()).contains(Duration.ofMinutes(5));
        assertThat(config.validationQuery()).contains("SELECT 1");
        assertThat(config.evictionInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.driverOptions().orElseThrow().getValue(io.r2dbc.spi.Option.valueOf("applicationName")))
                .as("unknown options go to the driver").isEqualTo("orders-api");
    }

    @Test
    void leakDetectionHasUrlNamesToo() {
        PoolConfiguration config = PoolConfiguration.builder()
                .url(URL + "?leakDetectionThreshold=30s&leakReclaimAfter=PT5M").build();
        assertThat(config.leakDetectionThreshold()).contains(Duration.ofSeconds(30));
        assertThat(config.leakReclaimAfter()).contains(Duration.ofMinutes(5));
        assertThat(PoolConfiguration.builder().url(URL + "?leakDetectionThreshold=disabled").build()
                .leakDetectionThreshold()).isEmpty();
    }

    @Test
    void thePoolNameIsTheDefaultApplicationName() {
        PoolConfiguration config = valid().name("billing").build();
        assertThat(config.driverOptions().orElseThrow().getValue(io.r2dbc.spi.Option.valueOf("applicationName")))
                .isEqualTo("billing");
    }

    @Test
    void toStringAndTargetNeverShowThePassword() {
        PoolConfiguration config = PoolConfiguration.builder().url(URL + "?maxSize=3").name("orders").build();

        assertThat(config.toString()).doesNotContain("s3cret-pw").contains("maxSize=3")
                .contains("postgresql://app@db.example:5432/orders");
        assertThat(config.target()).isEqualTo("postgresql://app@db.example:5432/orders");
    }

    @Test
    void noKeyOfTheDriversIsTakenForAMisspeltPoolOption() {
        for (String key : PoolOptions.DRIVER_KEYS) {
            // the URL's own parts cannot be query keys
            if (!java.util.Set.of("driver", "protocol", "user", "password", "host", "port", "database").contains(key)) {
                assertThatCode(() -> PoolOptions.parseUrl(URL + "?" + key + "=1")).as(key).doesNotThrowAnyException();
            }
        }
        assertThat(PoolOptions.editDistance("acquireTimout", "acquiretimeout")).isEqualTo(2);
        assertThat(PoolOptions.editDistance("maxsize", "maxsize")).isZero();
    }
}
