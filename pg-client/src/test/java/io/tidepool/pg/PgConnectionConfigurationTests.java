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
    void hostAndUserAreRequired() {
        assertThatIllegalStateException().isThrownBy(() -> PgConnectionConfiguration.builder().user("u").build())
                .withMessage("host must be set");
        assertThatIllegalStateException().isThrownBy(() -> PgConnectionConfiguration.builder().host("h").build())
                .withMessage("user must be set");
    }
}
