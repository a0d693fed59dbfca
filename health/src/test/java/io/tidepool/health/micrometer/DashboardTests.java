package io.tidepool.health.micrometer;

import io.tidepool.testing.Sql;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tidepool.TidepoolPool;
import io.tidepool.health.test.HealthTestPools;
import io.tidepool.health.test.MiniJson;
import io.tidepool.test.PoolFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class DashboardTests {

    static final String DASHBOARD = "/io/tidepool/health/tidepool-dashboard.json";
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

    @Test
    void everyMetricTheDashboardQueriesIsOneTheBinderPublishes() throws IOException {
        List<String> queries = new ArrayList<>();
        collectQueries(MiniJson.parse(read(DASHBOARD)), queries);
        assertThat(queries).hasSizeGreaterThan(10);

        String scrape = scrapeOfAUsedPool();
        Set<String> metrics = PrometheusNames.of(scrape);
        Set<String> labels = labelsOf(scrape);

        Set<String> queried = new TreeSet<>();
        for (String query : queries) {
            Matcher m = IDENTIFIER.matcher(query);
            while (m.find()) {
                String token = m.group();
                if ((token.startsWith("db_client_") || token.startsWith("tidepool_")) && !labels.contains(token)) {
                    queried.add(token);
                }
            }
        }
        assertThat(queried).as("metrics the dashboard queries").isNotEmpty().allSatisfy(name ->
                assertThat(metrics).as("published metrics").contains(name));
        // the panels the issue asks for: connections by state, waiting, wait and use percentiles, timeouts, leaks,
        // errors by category
        assertThat(queried).contains(
                "db_client_connection_count_connections",
                "db_client_connection_pending_requests",
                "db_client_connection_wait_time_seconds_bucket",
                "db_client_connection_use_time_seconds_bucket",
                "db_client_connection_timeouts_total",
                "tidepool_connection_leaks_total",
                "tidepool_connection_errors_total");
        assertThat(String.join("\n", queries)).contains("by (category)")
                .contains("db_client_connection_state");
    }

    private static String scrapeOfAUsedPool() {
        TidepoolPool pool = HealthTestPools.builder("dashboard").buildPool();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool)) {
            binder.bindTo(registry);
            StepVerifier.create(pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)))
                    .expectNext(1).verifyComplete();
            return registry.scrape();
        } finally {
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    private static Set<String> labelsOf(String scrape) {
        Set<String> labels = new TreeSet<>();
        Matcher m = LABEL.matcher(scrape);
        while (m.find()) {
            labels.add(m.group(1));
        }
        return labels;
    }

    /** Every {@code expr} of a panel target and every {@code query} of a template variable. */
    @SuppressWarnings("unchecked")
    private static void collectQueries(Object node, List<String> out) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) map).entrySet()) {
                if ((e.getKey().equals("expr") || e.getKey().equals("query") || e.getKey().equals("definition"))
                        && e.getValue() instanceof String s) {
                    out.add(s);
                } else {
                    collectQueries(e.getValue(), out);
                }
            }
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collectQueries(item, out));
        }
    }

    static String read(String resource) throws IOException {
        try (InputStream in = DashboardTests.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
