package io.tidepool.pg;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.r2dbc.spi.R2dbcTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class ConnectTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();

    private static String selectUser(PgConnectionConfiguration config) {
        return Mono.usingWhen(new PgConnectionFactory(config).create(),
                c -> Flux.from(c.createStatement("SELECT current_user").execute())
                        .flatMap(r -> r.map((row, m) -> row.get(0, String.class))).single(),
                Connection::close).block(WAIT);
    }

    @Test
    void trust() {
        assertThat(selectUser(server.config().build())).isEqualTo("postgres");
    }

    @Test
    void md5() {
        assertThat(selectUser(server.config().user("tp_md5").password(PgTestServer.SECRET).build()))
                .isEqualTo("tp_md5");
    }

    @Test
    void scramSha256() {
        assertThat(selectUser(server.config().user("tp_scram").password(PgTestServer.SECRET).build()))
                .isEqualTo("tp_scram");
    }

    @Test
    void scramWithANonAsciiPasswordIsSaslPrepared() {
        // fullwidth letters and a no-break space: SASLprep makes them "Pass word", as the server did for the verifier
        String password = "\uFF30ass\u00A0word\u00AD";
        server.execute("SET password_encryption = 'scram-sha-256'; DROP ROLE IF EXISTS tp_prep;"
                + " CREATE ROLE tp_prep LOGIN PASSWORD '" + password + "'");
        assertThat(selectUser(server.config().user("tp_prep").password(password).build())).isEqualTo("tp_prep");
        assertThat(selectUser(server.config().user("tp_prep").password("Pass word").build())).isEqualTo("tp_prep");
    }

    @Test
    void cleartextPassword() {
        assertThat(selectUser(server.config().user("tp_clear").password(PgTestServer.SECRET).build()))
                .isEqualTo("tp_clear");
    }

    @Test
    void aWrongPasswordIsPermissionDeniedWithoutThePassword() {
        StepVerifier.create(new PgConnectionFactory(server.config().user("tp_scram").password("wrong-Pw-77").build())
                        .create())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(R2dbcPermissionDeniedException.class);
                    assertThat(((R2dbcPermissionDeniedException) e).getSqlState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("tp_scram").doesNotContain("wrong-Pw-77");
                })
                .verify(WAIT);
    }

    @Test
    void aMissingPasswordIsPermissionDenied() {
        StepVerifier.create(new PgConnectionFactory(server.config().user("tp_md5").build()).create())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcPermissionDeniedException.class)
                        .hasMessage("the server asks for a password (md5) but none is configured"))
                .verify(WAIT);
    }

    @Test
    void tlsRequire() {
        PgConnectionConfiguration config = server.config().user("tp_scram").password(PgTestServer.SECRET)
                .sslMode(PgSslMode.REQUIRE).build();
        String ssl = Mono.usingWhen(new PgConnectionFactory(config).create(),
                c -> Flux.from(c.createStatement("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                        .execute()).flatMap(r -> r.map((row, m) -> row.get(0, String.class))).single(),
                Connection::close).block(WAIT);
        assertThat(ssl).isEqualTo("true");
    }

    @Test
    void tlsVerifyFullAcceptsTheCertificatesName() {
        assertThat(selectUser(server.config().host("localhost").sslMode(PgSslMode.VERIFY_FULL)
                .sslRootCert(server.certificate()).build())).isEqualTo("postgres");
    }

    @Test
    void tlsVerifyFullRefusesAnotherName() {
        StepVerifier.create(new PgConnectionFactory(server.config().host("127.0.0.1").sslMode(PgSslMode.VERIFY_FULL)
                        .sslRootCert(server.certificate()).build()).create())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcNonTransientResourceException.class)
                        .hasMessageContaining("TLS handshake with 127.0.0.1:" + server.port() + " failed"))
                .verify(WAIT);
    }

    @Test
    void tlsVerifyFullRefusesAnUntrustedCertificate() {
        StepVerifier.create(new PgConnectionFactory(server.config().host("localhost").sslMode(PgSslMode.VERIFY_FULL)
                        .build()).create())
                .expectError(R2dbcNonTransientResourceException.class)
                .verify(WAIT);
    }

    @Test
    void anUnreachablePortNamesTheHostAndPort() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StepVerifier.create(new PgConnectionFactory(server.config().port(port).build()).create())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcNonTransientResourceException.class)
                        .hasMessageStartingWith("could not connect to 127.0.0.1:" + port))
                .verify(WAIT);
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws IOException {
        try (ServerSocket silent = new ServerSocket(0)) {
            StepVerifier.create(new PgConnectionFactory(server.config().port(silent.getLocalPort())
                            .connectTimeout(Duration.ofMillis(300)).build()).create())
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcTimeoutException.class)
                            .hasMessage("connecting to 127.0.0.1:" + silent.getLocalPort() + " timed out after 300ms"))
                    .verify(WAIT);
        }
    }

    @Test
    void serverParametersAndBackendKeyAreKept() {
        PgConnectionFactory factory = new PgConnectionFactory(server.config().applicationName("tp-connect-test")
                .build());
        PgSession session = factory.create().block(WAIT);
        try {
            assertThat(session.serverParameters()).containsKey("server_version")
                    .containsEntry("application_name", "tp-connect-test").containsEntry("client_encoding", "UTF8");
            assertThat(session.processId()).isPositive();
            assertThat(session.getMetadata().getDatabaseProductName()).isEqualTo("PostgreSQL");
            assertThat(session.transactionStatus()).isEqualTo(PgTransactionStatus.IDLE);
            assertThat(session.isIdleOutsideTransaction()).isTrue();
        } finally {
            Mono.from(session.close()).block(WAIT);
        }
        assertThat(session.isClosed()).isTrue();
    }

    @Test
    void r2dbcPostgresqlSpellingsOfSchemaTimeZoneAndSslModeTakeEffect() {
        server.execute("CREATE SCHEMA IF NOT EXISTS tp_elsewhere");
        String url = "r2dbc:postgresql://tp_scram:" + PgTestServer.SECRET + "@127.0.0.1:" + server.port()
                + "/postgres?currentSchema=tp_elsewhere&timeZone=Asia/Tokyo&sslmode=require";
        PgConnectionConfiguration config = PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions.parse(url));
        String seen = Mono.usingWhen(new PgConnectionFactory(config).create(),
                c -> Flux.from(c.createStatement("SELECT current_setting('search_path') || ' ' || "
                                + "current_setting('TimeZone') || ' ' || ssl::text FROM pg_stat_ssl "
                                + "WHERE pid = pg_backend_pid()").execute())
                        .flatMap(r -> r.map((row, m) -> row.get(0, String.class))).single(),
                Connection::close).block(WAIT);
        assertThat(seen).isEqualTo("tp_elsewhere Asia/Tokyo true");
    }

    @Test
    void aFixedOffsetTimeZoneKeepsItsSign() {
        for (String zone : new String[] {"GMT+05:30", "+05:30", "UTC-03:00"}) {
            PgConnectionConfiguration config = PgConnectionConfiguration.from(io.r2dbc.spi.ConnectionFactoryOptions
                    .parse("r2dbc:postgresql://postgres@127.0.0.1:" + server.port() + "/postgres").mutate()
                    .option(io.r2dbc.spi.Option.valueOf("timeZone"), zone).build());
            String seen = Mono.usingWhen(new PgConnectionFactory(config).create(),
                    c -> Flux.from(c.createStatement("SELECT '2024-01-01 00:00:00+00'::timestamptz::text").execute())
                            .flatMap(r -> r.map((row, m) -> row.get(0, String.class))).single(),
                    Connection::close).block(WAIT);
            assertThat(seen).as(zone).isEqualTo(zone.endsWith("05:30") ? "2024-01-01 05:30:00+05:30"
                    : "2023-12-31 21:00:00-03");
        }
    }

    @Test
    void configurationNeverPrintsThePassword() {
        PgConnectionConfiguration config = server.config().password("tp-Secret-9f3c").build();
        assertThat(config.toString()).doesNotContain("tp-Secret-9f3c").contains("<hidden>");
        assertThat(new PgConnectionFactory(config).toString()).doesNotContain("tp-Secret-9f3c");
    }
}
