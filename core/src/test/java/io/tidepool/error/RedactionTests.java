package io.tidepool.error;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one set of redaction rules, for core's messages and health's reports. */
class RedactionTests {

    @Test
    void passwordsAreMaskedAndTheRestKept() {
        assertThat(Redaction.passwordsMasked("r2dbc:postgresql://app:s3cret@db:5432/orders?sslPassword=k&x=1"))
                .isEqualTo("r2dbc:postgresql://app:***@db:5432/orders?sslPassword=***&x=1");
        // a password with unencoded delimiters is masked whole, up to the URL's last '@'
        assertThat(Redaction.passwordsMasked("to postgresql://app:p/a?s#s@w@db:5432/x failed"))
                .isEqualTo("to postgresql://app:***@db:5432/x failed");
        assertThat(Redaction.passwordsMasked("password authentication failed for user \"app\""))
                .isEqualTo("password authentication failed for user \"app\"");
        assertThat(Redaction.passwordsMasked(null)).isEmpty();
    }

    @Test
    void urlsAreCutToTheirHosts() {
        assertThat(Redaction.urlsToHosts("opening postgresql://app:s3cret@db.internal:5432/orders?password=x timed out"))
                .isEqualTo("opening db.internal:5432 timed out");
        assertThat(Redaction.urlsToHosts("bad option password: s3cret, user=x")).isEqualTo("bad option password: ***, user=x");
    }
}
