package io.tidepool.health.micrometer;

import io.tidepool.testing.MiniJson;
import io.tidepool.testing.Sql;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthTestPools;
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
                "tidepool_connection_errors_total",
                "tidepool_connection_server_share_ratio",
                "tidepool_connection_server_headroom_connections",
                "tidepool_lane_statements_in_flight_statements",
                "tidepool_lane_statements_waiting_statements",
                "tidepool_lane_connections",
                "tidepool_lane_pinned_borrowers");
        assertThat(String.join("\n", queries)).contains("db_client_connection_pool_name, category)")
                .contains("db_client_connection_state");
    }

    /** The variables a dashboard shared by several services needs, each narrowing the next. */
    @Test
    @SuppressWarnings("unchecked")
    void theVariablesAreJobInstanceApplicationAndPoolAndEveryPanelSelectsByAllOfThem() throws IOException {
        Map<String, Object> dashboard = (Map<String, Object>) MiniJson.parse(read(DASHBOARD));
        List<Map<String, Object>> variables =
                (List<Map<String, Object>>) ((Map<String, Object>) dashboard.get("templating")).get("list");
        assertThat(variables.stream().map(v -> v.get("name")).toList())
                .containsExactly("datasource", "job", "instance", "application", "pool");
        Map<String, Object> pool = variables.get(4);
        assertThat((String) pool.get("definition")).contains("job=~\"$job\"", "instance=~\"$instance\"",
                "application=~\"$application\"");
        for (Map<String, Object> variable : variables.subList(1, variables.size())) {
            // "All" must also match series without the label (an application without an application tag)
            assertThat(variable).containsEntry("includeAll", true).containsEntry("allValue", ".*");
        }
        for (String expr : panelExpressions()) {
            assertThat(expr).contains("job=~\"$job\"", "instance=~\"$instance\"", "application=~\"$application\"",
                    "db_client_connection_pool_name=~\"$pool\"");
        }
    }

    private static final Pattern AGGREGATION = Pattern.compile("\\b(sum|max|min|avg|count) by \\(([^)]*)\\)");

    /**
     * Every aggregation is a sum by job, application and pool: a max of "max" beside a sum of "used" let "used" rise
     * above "max" across replicas, and grouping by pool alone merged same-named pools of different services.
     */
    @Test
    void everyPanelSumsByJobApplicationAndPool() throws IOException {
        List<String> expressions = panelExpressions();
        assertThat(expressions).hasSizeGreaterThan(10);
        for (String expr : expressions) {
            Matcher m = AGGREGATION.matcher(expr);
            assertThat(m.find()).as(expr).isTrue();
            m.reset();
            while (m.find()) {
                assertThat(m.group(1)).as(expr).isEqualTo("sum");
                assertThat(List.of(m.group(2).split(",\\s*"))).as(expr)
                        .contains("job", "application", "db_client_connection_pool_name");
            }
        }
    }

    /**
     * Two replicas of one service (two registries, as two processes scraped), each with its pool named alike and
     * every connection borrowed: the dashboard's "used" and "max" series, evaluated on the two scrapes, give used
     * equal to max, never above it.
     */
    @Test
    void onTwoReplicasAtFullUseUsedEqualsMaxAndNeverExceedsIt() throws IOException {
        String name = io.tidepool.testing.TestDatabase.uniqueApplicationName("replica");
        List<String> scrapes = new ArrayList<>();
        for (String instance : List.of("10.0.0.1:8080", "10.0.0.2:8080")) {
            scrapes.add(scrapeAtFullUse(name, instance));
        }
        String used = null;
        String max = null;
        for (String expr : panelExpressions()) {
            if (expr.startsWith("sum by (job, application, db_client_connection_pool_name, db_client_connection_state)"
                    + " (db_client_connection_count_connections")) {
                used = expr;
            } else if (expr.startsWith("sum by (job, application, db_client_connection_pool_name)"
                    + " (db_client_connection_max_connections")) {
                max = expr;
            }
        }
        assertThat(used).as("the connections-by-state query").isNotNull();
        assertThat(max).as("the max query").isNotNull();
        double usedSum = sumOf(scrapes, "db_client_connection_count_connections", name, "used");
        double maxSum = sumOf(scrapes, "db_client_connection_max_connections", name, null);
        assertThat(usedSum).isEqualTo(4.0);
        assertThat(maxSum).isEqualTo(4.0);
        assertThat(usedSum).isLessThanOrEqualTo(maxSum);
    }

    /** What {@code sum by (job, application, pool[, state])} gives for one pool over the scrapes. */
    private static double sumOf(List<String> scrapes, String metric, String pool, String state) {
        double sum = 0;
        Pattern line = Pattern.compile("^" + metric + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        for (String scrape : scrapes) {
            Matcher m = line.matcher(scrape);
            while (m.find()) {
                String labels = m.group(1);
                if (labels.contains("db_client_connection_pool_name=\"" + pool + "\"")
                        && labels.contains("job=\"orders\"") && labels.contains("application=\"orders\"")
                        && (state == null || labels.contains("db_client_connection_state=\"" + state + "\""))) {
                    sum += Double.parseDouble(m.group(2));
                }
            }
        }
        return sum;
    }

    private static String scrapeAtFullUse(String name, String instance) {
        TidepoolPool pool = HealthTestPools.builder("dashboard").name(name).maxSize(2).buildPool();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("job", "orders", "instance", instance, "application", "orders");
        List<io.r2dbc.spi.Connection> held = new ArrayList<>();
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.of(pool)) {
            binder.bindTo(registry);
            for (int i = 0; i < 2; i++) {
                held.add(reactor.core.publisher.Mono.from(pool.create()).block(Duration.ofSeconds(10)));
            }
            return registry.scrape();
        } finally {
            held.forEach(c -> reactor.core.publisher.Mono.from(c.close()).block(Duration.ofSeconds(10)));
            pool.close().block(Duration.ofSeconds(30));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> panelExpressions() throws IOException {
        Map<String, Object> dashboard = (Map<String, Object>) MiniJson.parse(read(DASHBOARD));
        List<String> out = new ArrayList<>();
        for (Object panel : (List<Object>) dashboard.get("panels")) {
            Object targets = ((Map<String, Object>) panel).get("targets");
            if (targets instanceof List<?> list) {
                for (Object target : list) {
                    Object expr = ((Map<String, Object>) target).get("expr");
                    if (expr instanceof String s) {
                        out.add(s);
                    }
                }
            }
        }
        return out;
    }

    /** A used pool's scrape, and a multiplexing pool's beside it (the lane's panels read its meters). */
    private static String scrapeOfAUsedPool() {
        TidepoolPool pool = HealthTestPools.builder("dashboard").buildPool();
        TidepoolPool multiplexing = HealthTestPools.builder("dashboard-lane").client(io.tidepool.ProtocolClient.NATIVE)
                .multiplex(true).multiplexConnections(2).buildPool();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        io.tidepool.health.PoolHealthCheck check = HealthTestPools.check(pool);
        // the server share and headroom panels read the meters a binder publishes from the pool's health check
        try (TidepoolMeterBinder binder = TidepoolMeterBinder.builder(pool).serverFrom(check).build();
             TidepoolMeterBinder lane = TidepoolMeterBinder.of(multiplexing)) {
            binder.bindTo(registry);
            lane.bindTo(registry);
            StepVerifier.create(pool.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)))
                    .expectNext(1).verifyComplete();
            StepVerifier.create(multiplexing.withConnection(c -> Sql.queryOne(c, "SELECT 1", Integer.class)))
                    .expectNext(1).verifyComplete();
            check.check().block(Duration.ofSeconds(20));
            return registry.scrape();
        } finally {
            check.close();
            pool.close().block(Duration.ofSeconds(30));
            multiplexing.close().block(Duration.ofSeconds(30));
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
