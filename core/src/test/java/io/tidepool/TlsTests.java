package io.tidepool;

import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestCertificate;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.time.Duration;

import static io.tidepool.testing.Sql.queryOne;
import static org.assertj.core.api.Assertions.assertThat;

/** TLS through the pool, against a certificate made for the test run and valid for "localhost" only. */
@Timeout(60)
class TlsTests {

    private static String url(String host) {
        TestDatabase db = TestDatabase.get();
        return "r2dbc:postgresql://" + db.user() + ":" + db.password() + "@" + host + ":" + db.port() + "/"
                + db.database() + "?sslMode=verify-full&sslRootCert=" + TestCertificate.get().certificate();
    }

    @Test
    void verifyFullSucceedsAgainstTheCertificatesHostName() {
        String name = TestDatabase.uniqueApplicationName("tls");
        TidepoolPool pool = PoolConfiguration.builder().url(url("localhost")).name(name).buildPool();
        try {
            Boolean encrypted = pool.withConnection(c -> queryOne(c,
                            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", Boolean.class))
                    .blockLast(Duration.ofSeconds(20));
            assertThat(encrypted).isTrue();
            PoolFixture.assertNoLeak(pool, 1);
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void verifyFullFailsClearlyAgainstAWrongHostName() {
        TidepoolPool pool = PoolConfiguration.builder().url(url("127.0.0.1")).name("tls-wrong-host")
                .createTimeout(Duration.ofSeconds(5)).acquireTimeout(Duration.ofSeconds(8)).buildPool();
        try {
            StepVerifier.create(pool.withConnection(c -> Flux.just(1)))
                    .expectErrorSatisfies(error -> {
                        StringBuilder chain = new StringBuilder();
                        for (Throwable e = error; e != null; e = e.getCause()) {
                            chain.append(e).append('\n');
                        }
                        assertThat(chain.toString())
                                .contains("No subject alternative names matching IP address 127.0.0.1 found")
                                .doesNotContain(TestDatabase.get().password());
                        assertThat(ErrorClassifier.defaults().classify(error)).as("never retried")
                                .isEqualTo(ErrorCategory.CONFIGURATION);
                        assertThat(pool.stats().creates()).isZero();
                    })
                    .verify(Duration.ofSeconds(15));
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }
}
