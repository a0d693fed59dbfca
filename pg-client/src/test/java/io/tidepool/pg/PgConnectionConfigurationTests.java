package io.tidepool.pg;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

@org.junit.jupiter.api.Timeout(10)
class PgConnectionConfigurationTests {

    @Test
    void defaults() {
        PgConnectionConfiguration c = PgConnectionConfiguration.builder().host("db").user("app").build();
        assertThat(c.port()).isEqualTo(5432);
        assertThat(c.database()).isEqualTo("app");
        assertThat(c.sslMode()).isEqualTo(PgSslMode.DISABLE);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.statementCacheSize()).isEqualTo(256);
        assertThat(c.password()).isNull();
    }

    @Test
    void everySetterRejectsABadValueNamingIt() {
        PgConnectionConfiguration.Builder b = PgConnectionConfiguration.builder();
        assertThatIllegalArgumentException().isThrownBy(() -> b.port(0))
                .withMessage("port must be between 1 and 65535, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> b.host(" "))
                .withMessage("host must not be blank, was ' '");
        assertThatIllegalArgumentException().isThrownBy(() -> b.user(""))
                .withMessage("user must not be blank, was ''");
        assertThatIllegalArgumentException().isThrownBy(() -> b.database(""))
                .withMessage("database must not be blank, was ''");
        assertThatIllegalArgumentException().isThrownBy(() -> b.connectTimeout(Duration.ZERO))
                .withMessage("connectTimeout must be positive, was PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> b.statementCacheSize(-1))
                .withMessage("statementCacheSize must not be negative, was -1");
        assertThatIllegalArgumentException().isThrownBy(() -> b.option("user", "x"))
                .withMessage("option 'user' is set by the client itself: use its own builder method or leave it out");
    }

    @Test
    void fromR2dbcOptionsAsAUrlGivesThem() {
        PgConnectionConfiguration c = PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions.parse(
                "r2dbc:postgresql://app:pw@db.example:6432/orders?sslMode=verify-full&applicationName=svc"
                        + "&connectTimeout=PT3S&statementCacheSize=0&statementTimeout=1500&lockWaitTimeout=PT2S"));
        assertThat(c.host()).isEqualTo("db.example");
        assertThat(c.port()).isEqualTo(6432);
        assertThat(c.database()).isEqualTo("orders");
        assertThat(c.user()).isEqualTo("app");
        assertThat(c.password()).hasToString("pw");
        assertThat(c.sslMode()).isEqualTo(PgSslMode.VERIFY_FULL);
        assertThat(c.applicationName()).isEqualTo("svc");
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.statementCacheSize()).isZero();
        assertThat(c.options()).containsEntry("statement_timeout", "1500").containsEntry("lock_timeout", "2000");
    }

    @Test
    void fromR2dbcOptionsRejectsBadValuesNamingThem() {
        assertThatIllegalArgumentException().isThrownBy(() -> PgConnectionConfiguration.from(
                        io.r2dbc.spi.ConnectionFactoryOptions.parse("r2dbc:postgresql://u@h/d?sslMode=prefer")))
                .withMessage("sslMode must be disable, require or verify-full, was 'prefer'");
        assertThatIllegalArgumentException().isThrownBy(() -> PgConnectionConfiguration.from(
                        io.r2dbc.spi.ConnectionFactoryOptions.parse(
                                "r2dbc:postgresql://u@h/d?preparedStatementCacheQueries=-1")))
                .withMessage("statementCacheSize must not be negative, was -1");
    }

    @Test
    void r2dbcPostgresqlOptionsOfFeaturesThisClientLacksAreRefusedNamingThem() {
        java.util.Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("socket=/var/run/postgresql", "Unix-domain sockets (option socket=/var/run/postgresql)");
        refused.put("sslCert=/etc/app/client.crt", "TLS client certificates (option sslCert=/etc/app/client.crt)");
        refused.put("sslKey=/etc/app/client.key", "TLS client certificates (option sslKey=/etc/app/client.key)");
        refused.put("sslPassword=tp-Secret-9f3c", "TLS client certificates (option sslPassword)");
        refused.put("sslNegotiation=direct", "direct TLS negotiation (option sslNegotiation=direct)");
        refused.put("channelBinding=require", "SCRAM channel binding (option channelBinding=require)");
        refused.put("channel_binding=require", "SCRAM channel binding (option channel_binding=require)");
        refused.put("tcpNoDelay=false", "Nagle's algorithm (tcpNoDelay=false) (option tcpNoDelay=false)");
        refused.forEach((query, named) -> assertThatIllegalArgumentException()
                .isThrownBy(() -> PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions.parse(
                        "r2dbc:postgresql://u@h/d?" + query)))
                .withMessage(named + " is not supported by the native client; use client=r2dbc-postgresql for it")
                .withMessageNotContaining("tp-Secret-9f3c"));
    }

    @Test
    void r2dbcPostgresqlOptionsThatAskForNothingMoreAreAccepted() {
        PgConnectionConfiguration c = PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions.parse(
                "r2dbc:postgresql://u@h/d?loadBalanceHosts=false&channelBinding=prefer&sslNegotiation=postgres"
                        + "&tcpNoDelay=true&fetchSize=100&forceBinary=true&compatibilityMode=true"
                        + "&autodetectExtensions=false&errorResponseLogLevel=WARN&noticeLogLevel=DEBUG"));
        assertThat(c.host()).isEqualTo("h");
        assertThat(c.options()).isEmpty();
    }

    @Test
    void r2dbcPostgresqlSpellingsAreRead() {
        PgConnectionConfiguration c = PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions.parse(
                "r2dbc:postgresql://u@h/d?sslmode=verify-full&schema=app&timeZone=Europe/Paris&loadBalanceHosts=true"));
        assertThat(c.sslMode()).isEqualTo(PgSslMode.VERIFY_FULL);
        assertThat(c.loadBalanceHosts()).isTrue();
        assertThat(c.options()).containsEntry("search_path", "app").containsEntry("TimeZone", "Europe/Paris");
        PgConnectionConfiguration current = PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions
                .builder().option(io.r2dbc.spi.ConnectionFactoryOptions.HOST, "h")
                .option(io.r2dbc.spi.ConnectionFactoryOptions.USER, "u")
                .option(io.r2dbc.spi.Option.valueOf("currentSchema"), "first")
                .option(io.r2dbc.spi.Option.valueOf("schema"), "second")
                .option(io.r2dbc.spi.Option.valueOf("timeZone"), java.util.TimeZone.getTimeZone("UTC")).build());
        assertThat(current.options()).containsEntry("search_path", "first").containsEntry("TimeZone", "UTC");
        assertThatIllegalArgumentException().isThrownBy(() -> PgConnectionConfiguration.from(
                        io.r2dbc.spi.ConnectionFactoryOptions.parse("r2dbc:postgresql://u@h/d?timeZone=Mars/Olympus")))
                .withMessage("timeZone must be a time zone ID such as UTC, Europe/Paris or +05:30, was 'Mars/Olympus'");
        // a fixed offset in POSIX form, its sign turned (the server reads GMT+05:30 as west of Greenwich)
        assertThat(PgConnectionConfiguration.serverTimeZone("GMT+05:30")).isEqualTo("<+05:30>-05:30");
        assertThat(PgConnectionConfiguration.serverTimeZone(java.time.ZoneOffset.ofHours(-3))).isEqualTo("<-03:00>+03:00");
        assertThat(PgConnectionConfiguration.serverTimeZone("Etc/UTC")).isEqualTo("UTC");
        assertThat(PgConnectionConfiguration.serverTimeZone("Europe/Paris")).isEqualTo("Europe/Paris");
        assertThat(PgConnectionConfiguration.serverTimeZone(java.util.TimeZone.getTimeZone("GMT"))).isEqualTo("UTC");
    }

    @Test
    void hostAndUserAreRequired() {
        assertThatIllegalStateException().isThrownBy(() -> PgConnectionConfiguration.builder().user("u").build())
                .withMessage("host must be set");
        assertThatIllegalStateException().isThrownBy(() -> PgConnectionConfiguration.builder().host("h").build())
                .withMessage("user must be set");
    }

    @Test
    void aHostListAndATargetFromR2dbcOptions() {
        io.r2dbc.spi.ConnectionFactoryOptions parsed = io.r2dbc.spi.ConnectionFactoryOptions.parse(
                "r2dbc:postgresql:failover://app:s3cret-Pw@db1:5433,db2/orders"
                        + "?targetServerType=preferSecondary&hostRecheckTime=PT3S");
        // R2DBC's URL parser takes no bracketed address in a list; a program may still set one
        PgConnectionConfiguration c = PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions.builder()
                .from(parsed).option(io.r2dbc.spi.ConnectionFactoryOptions.HOST, "db1:5433,db2,[::1]:6432").build());
        assertThat(c.hosts()).containsExactly(new PgHost("db1", 5433), new PgHost("db2", 5432),
                new PgHost("::1", 6432));
        assertThat(c.host()).isEqualTo("db1");
        assertThat(c.port()).isEqualTo(5433);
        assertThat(c.targetServerType()).isEqualTo(PgTargetServerType.PREFER_STANDBY);
        assertThat(c.hostRecheckTime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.choosesHost()).isTrue();
        assertThat(c.toString()).contains("hosts=[db1:5433, db2:5432, [::1]:6432]").doesNotContain("s3cret");
        PgConnectionConfiguration single = PgConnectionConfiguration.builder().host("db").user("app").build();
        assertThat(single.hosts()).containsExactly(new PgHost("db", 5432));
        assertThat(single.choosesHost()).isFalse();
        assertThat(single.targetServerType()).isEqualTo(PgTargetServerType.ANY);
    }

    @Test
    void hostListAndTargetMistakesNameTheOptionAndValue() {
        assertThatIllegalArgumentException().isThrownBy(() -> PgTargetServerType.parse("leader"))
                .withMessage("targetServerType must be primary, standby, preferStandby or any, was 'leader'");
        assertThat(PgTargetServerType.parse("MASTER")).isEqualTo(PgTargetServerType.PRIMARY);
        assertThat(PgTargetServerType.parse("secondary")).isEqualTo(PgTargetServerType.STANDBY);
        assertThatIllegalArgumentException().isThrownBy(() -> PgHost.parse("db:70000", 5432))
                .withMessage("port must be between 1 and 65535, was 70000");
        assertThatIllegalArgumentException().isThrownBy(() -> PgHost.parse("db:x", 5432))
                .withMessage("port must be between 1 and 65535, was 'x' in 'db:x'");
        assertThatIllegalArgumentException().isThrownBy(() -> PgHost.parse("[::1", 5432))
                .withMessage("host must be host, host:port, [v6] or [v6]:port, was '[::1'");
        PgConnectionConfiguration.Builder b = PgConnectionConfiguration.builder();
        assertThatIllegalArgumentException().isThrownBy(() -> b.hosts(java.util.List.of()))
                .withMessage("hosts must not be empty, was []");
        assertThatIllegalArgumentException().isThrownBy(() -> b.hosts(java.util.List.of(new PgHost("a", 1),
                        new PgHost("a", 1))))
                .withMessage("hosts must not name a host twice, was [a:1, a:1]");
        assertThatIllegalArgumentException().isThrownBy(() -> b.hostRecheckTime(Duration.ZERO))
                .withMessage("hostRecheckTime must be positive, was PT0S");
        assertThatIllegalStateException().isThrownBy(() -> PgConnectionConfiguration.builder().host("a")
                        .hosts(java.util.List.of(new PgHost("b", 1))).user("u").build())
                .withMessage("host and hosts must not both be set, was a and [b:1]");
        assertThatIllegalStateException().isThrownBy(() -> PgConnectionConfiguration.builder().port(6432)
                        .hosts(java.util.List.of(new PgHost("b", 1))).user("u").build())
                .withMessage("port must not be set with hosts (each names its own), was 6432 and [b:1]");
    }

    @Test
    void tcpSettingsDefaultToKeepaliveOnAndNoUserTimeout() {
        TcpSettings tcp = PgConnectionConfiguration.builder().host("db").user("app").build().tcp();
        assertThat(tcp.keepAlive()).isTrue();
        assertThat(tcp.userTimeout()).isNull();
        assertThat(tcp.keepAliveIdle()).isNull();
        assertThat(tcp.keepAliveCount()).isZero();
        assertThat(tcp.toString()).contains("userTimeout=disabled");
    }

    @Test
    void tcpSettingsRejectABadValueNamingItsOption() {
        TcpSettings.Builder b = TcpSettings.builder();
        assertThatIllegalArgumentException().isThrownBy(() -> b.userTimeout(Duration.ZERO))
                .withMessage("tcpUserTimeout must be whole milliseconds between 1 ms and 2147483647 ms, was PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> b.userTimeout(Duration.ofNanos(1_500_000)))
                .withMessageStartingWith("tcpUserTimeout must be whole milliseconds").withMessageEndingWith("PT0.0015S");
        assertThatIllegalArgumentException().isThrownBy(() -> b.keepAliveIdle(Duration.ofMillis(1500)))
                .withMessage("tcpKeepAliveIdle must be whole seconds between 1 s and 32767 s, was PT1.5S");
        assertThatIllegalArgumentException().isThrownBy(() -> b.keepAliveInterval(Duration.ofSeconds(40_000)))
                .withMessage("tcpKeepAliveInterval must be whole seconds between 1 s and 32767 s, was PT11H6M40S");
        assertThatIllegalArgumentException().isThrownBy(() -> b.keepAliveCount(0))
                .withMessage("tcpKeepAliveCount must be between 1 and 127, was 0");
        assertThatIllegalStateException().isThrownBy(() -> TcpSettings.builder().keepAlive(false)
                        .keepAliveIdle(Duration.ofSeconds(5)).build())
                .withMessage("tcpKeepAliveIdle, tcpKeepAliveInterval and tcpKeepAliveCount need tcpKeepAlive=true,"
                        + " was false");
    }

    @Test
    void tcpSettingsAreReadFromUrlOptions() {
        PgConnectionConfiguration c = PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions.parse(
                "r2dbc:postgresql://app@db/app?tcpUserTimeout=PT30S&tcpKeepAliveIdle=60000&tcpKeepAliveInterval=PT10S"
                        + "&tcpKeepAliveCount=3"));
        assertThat(c.tcp().userTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.tcp().keepAliveIdle()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.tcp().keepAliveInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.tcp().keepAliveCount()).isEqualTo(3);
        assertThat(PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions.parse(
                "r2dbc:postgresql://app@db/app?tcpUserTimeout=disabled&tcpKeepAlive=false")).tcp())
                .satisfies(t -> {
                    assertThat(t.userTimeout()).isNull();
                    assertThat(t.keepAlive()).isFalse();
                });
        assertThatIllegalArgumentException().isThrownBy(() -> PgConnectionConfiguration.from(
                        io.r2dbc.spi.ConnectionFactoryOptions.parse("r2dbc:postgresql://app@db/app?tcpUserTimeout=soon")))
                .withMessage("tcpUserTimeout must be an ISO-8601 duration (PT5S) or milliseconds, was 'soon'");
        assertThatIllegalArgumentException().isThrownBy(() -> PgConnectionConfiguration.from(
                        io.r2dbc.spi.ConnectionFactoryOptions.parse("r2dbc:postgresql://app@db/app?tcpKeepAlive=yes")))
                .withMessage("tcpKeepAlive must be true or false, was 'yes'");
    }
}
