package io.tidepool.examples.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The README's first command, run short: every fault happens, the endpoint answers meanwhile, nothing leaks. */
class DemoTests {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    @Timeout(180)
    void theDemoRunsEveryFaultServesItsEndpointsAndEndsWithNothingLeaked() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
                try {
                    return Demo.execute(new String[] {"--seconds", "20"});
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() -> {
                HttpResponse<String> health = get("/health");
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).contains("demo");
            });
            assertThat(get("/metrics").body()).contains("tidepool");

            assertThat(exit.get(150, TimeUnit.SECONDS)).as("exit code").isZero();
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(output).contains(">>> Fault 1", ">>> Fault 2", ">>> Fault 3", ">>> Fault 4", "retried: ",
                ">>> The multiplexed lane", "demo-lane", "server connections: 2", "NOTHING LEAKED");
        assertThat(output).doesNotContain("retried: -");
        assertThat(output).doesNotContain("LEAK SUSPECTED");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9464" + path))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Writes to the console and to a buffer the test reads. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            first.write(bytes, offset, length);
            second.write(bytes, offset, length);
        }
    }
}
