package io.tidepool.bench;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs every benchmark and prints one report: pool overhead (JMH, fake connections), end to end against PostgreSQL
 * (Tidepool, r2dbc-pool with and without {@code validationQuery}, the bare driver, the Vert.x pg client pooled and
 * pipelined, HikariCP + pgjdbc, pgbench), and stress (twice the
 * requests in flight, with and without a 1-in-100 cancellation rate).
 *
 * <pre>
 * mvn -q -pl bench -am package -DskipTests &amp;&amp; java -jar bench/target/tidepool-bench.jar            # ~5 min
 * java -jar bench/target/tidepool-bench.jar --quick                   # a smoke of a few seconds
 * java -jar bench/target/tidepool-bench.jar --url r2dbc:postgresql://user:pw@host:5432/db --seconds 10
 * java -jar bench/target/tidepool-bench.jar --only e2e,stress         # skip JMH
 * java -jar bench/target/tidepool-bench.jar --only e2e --contenders tidepool --seconds 20   # to profile one
 * java -jar bench/target/tidepool-bench.jar --only e2e --contenders tidepool,tidepool@baseline \
 *     --baseline /tmp/before/tidepool-core.jar             # a change against the build before it, same run
 * java -jar bench/target/tidepool-bench.jar --only e2e --chart docs/performance-chart.svg   # and the chart
 * </pre>
 *
 * On a small machine the client and the server share the CPU, so only ratios within one run mean anything: the
 * contenders run interleaved, one after another in each round, in a rotating order, and the median round counts.
 */
public final class Bench {

    private Bench() {
    }

    /**
     * What to run.
     *
     * @param quick a smoke: one short round, a token JMH run
     * @param url the server, or null for an embedded one
     * @param runLength each timed run's length
     * @param rounds how many rounds
     * @param parts which of {@code jmh}, {@code e2e}, {@code stress}
     * @param poolSize connections per pool
     * @param inFlight requests in flight end to end
     * @param stressInFlight requests in flight under stress
     * @param out where the report is also written, or null
     * @param contenders the end-to-end contenders to run (by table name), or empty for all; for profiling one
     * @param jmhBorrowers concurrent borrowers in JMH: thread counts, and 64 as borrowings in flight on one thread
     * @param baseline another build's {@code tidepool-core} jar, run end to end as {@code tidepool@baseline}, or null
     * @param chart where to write the end-to-end chart (SVG: throughput over pgbench's per contender and workload), or
     *              null
     * @param multiplexConnections the shared connections of the {@code tidepool multiplexed} contender's lane
     * @param workloads the end-to-end workloads to run (by enum name, any case), or empty for all; for profiling one
     */
    public record Options(boolean quick, @Nullable String url, Duration runLength, int rounds, List<String> parts,
                          int poolSize, int inFlight, int stressInFlight, @Nullable Path out, List<String> contenders,
                          List<Integer> jmhBorrowers, @Nullable Path baseline, @Nullable Path chart,
                          int multiplexConnections, List<String> workloads) {

        static Options parse(String... args) {
            boolean quick = false;
            String url = null;
            Duration length = null;
            Integer rounds = null;
            List<String> parts = List.of("jmh", "e2e", "stress", "lane");
            int size = 10;
            int inFlight = 64;
            Integer stress = null;
            Path out = Path.of("bench", "target", "bench-report.md");
            List<String> contenders = List.of();
            List<Integer> jmhBorrowers = List.of(1, 8, PoolOverheadBenchmark.BURST);
            Path baseline = null;
            Path chart = null;
            int multiplexConnections = io.tidepool.PoolConfiguration.DEFAULT_MULTIPLEX_CONNECTIONS;
            List<String> workloads = List.of();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--url" -> { url = value; i++; }
                    case "--seconds" -> { length = Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000)); i++; }
                    case "--rounds" -> { rounds = Integer.parseInt(value); i++; }
                    case "--only" -> { parts = List.of(value.split(",")); i++; }
                    case "--size" -> { size = Integer.parseInt(value); i++; }
                    case "--in-flight" -> { inFlight = Integer.parseInt(value); i++; }
                    case "--stress-in-flight" -> { stress = Integer.parseInt(value); i++; }
                    case "--out" -> { out = value.isEmpty() || value.equals("none") ? null : Path.of(value); i++; }
                    case "--contenders" -> { contenders = List.of(value.split(",")); i++; }
                    case "--baseline" -> { baseline = Path.of(value); i++; }
                    case "--chart" -> { chart = Path.of(value); i++; }
                    case "--multiplex-connections" -> { multiplexConnections = Integer.parseInt(value); i++; }
                    case "--workloads" -> { workloads = workloads(value); i++; }
                    case "--jmh-borrowers" -> {
                        jmhBorrowers = java.util.Arrays.stream(value.split(",")).map(Integer::valueOf).toList();
                        i++;
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; use --quick, "
                            + "--url URL, --seconds N, --rounds N, --only jmh,e2e,stress,lane, --size N, --in-flight N, "
                            + "--stress-in-flight N, --out FILE|none, --contenders tidepool,r2dbc-pool,..., --jmh-borrowers 1,8,64, "
                            + "--baseline path/to/tidepool-core.jar, --chart FILE.svg, --multiplex-connections N, --workloads select_1,lookup,transaction");
                }
            }
            if (url == null) {
                String env = System.getenv("TIDEPOOL_BENCH_URL");
                url = env == null || env.isBlank() ? null : env;
            }
            return new Options(quick, url, length != null ? length : quick ? Duration.ofMillis(250) : Duration.ofSeconds(4),
                    rounds != null ? rounds : quick ? 1 : 3, parts, size, inFlight,
                    stress != null ? stress : inFlight * 2, out, contenders, jmhBorrowers, baseline, chart,
                    multiplexConnections, workloads);
        }

        /** The end-to-end workloads {@code value} names, checked: a name that is none fails here, not as a silent skip. */
        private static List<String> workloads(String value) {
            List<String> names = new java.util.ArrayList<>();
            for (String name : value.split(",")) {
                String upper = name.trim().toUpperCase(java.util.Locale.ROOT);
                boolean known = java.util.Arrays.stream(Workload.values())
                        .anyMatch(w -> w.endToEnd() && w.name().equals(upper));
                if (!known) {
                    throw new IllegalArgumentException("--workloads names no end-to-end workload: '" + name
                            + "'; use select_1, lookup, transaction");
                }
                names.add(upper);
            }
            return List.copyOf(names);
        }

        boolean runs(String part) {
            return parts.contains(part);
        }

        boolean includes(String contender) {
            return contenders.isEmpty() || contenders.contains(contender);
        }

        boolean includes(Workload workload) {
            return workloads.isEmpty() || workloads.contains(workload.name());
        }

        Duration warmLength() {
            return quick ? Duration.ofMillis(100) : Duration.ofSeconds(2);
        }
    }

    /**
     * Everything measured.
     *
     * @param overhead JMH cells
     * @param endToEnd per workload, one summary per contender (pgbench included when installed)
     * @param stress one summary per contender and cancellation rate, keyed "name" or "name, 1/100 cancelled"
     * @param notes what was skipped and why, and the conditions
     */
    /**
     * The bench's own logback.xml, not the logback-test.xml that tidepool-test-support (where the fake connection
     * factory lives) ships for the tests: logback would pick that one first. Set before the first logger is made.
     */
    static void useBenchLogging() {
        if (System.getProperty(LOGBACK_CONFIGURATION) == null) {
            System.setProperty(LOGBACK_CONFIGURATION, "logback.xml");
        }
    }

    static final String LOGBACK_CONFIGURATION = "logback.configurationFile";

    public record Results(List<Overhead.Row> overhead, Map<Workload, List<Summary>> endToEnd,
                          Map<String, Summary> stress, List<String> notes) {
    }

    public static void main(String[] args) throws Exception {
        useBenchLogging();
        Options options = Options.parse(args);
        StringBuilder report = new StringBuilder();
        Results results = run(options, report);
        System.out.println();
        System.out.println(report);
        if (options.out() != null) {
            Files.createDirectories(options.out().toAbsolutePath().getParent());
            Files.writeString(options.out(), report);
            System.out.println("(report written to " + options.out() + ")");
        }
        boolean failed = results.endToEnd().values().stream().flatMap(List::stream)
                .anyMatch(s -> s.medianThroughput() <= 0);
        System.exit(failed ? 1 : 0);
    }

    /** Runs what {@code options} asks and appends the report (markdown) to {@code report}. */
    public static Results run(Options options, StringBuilder report) throws Exception {
        List<String> notes = new ArrayList<>();
        report.append("# Tidepool bench, ").append(Instant.now()).append(options.quick() ? " (QUICK SMOKE: not figures)" : "")
                .append("\n\n");
        report.append("Machine: ").append(Machine.describe()).append("\n");
        String loadBefore = Machine.loadAverage();
        report.append("Load average before: ").append(loadBefore).append("\n");

        List<Overhead.Row> overhead = List.of();
        if (options.runs("jmh")) {
            System.out.println("Pool overhead (JMH)...");
            overhead = Overhead.run(options.quick(), options.jmhBorrowers(), options.baseline());
            Tables.overhead(report, overhead, options.quick());
        }
        Map<Workload, List<Summary>> endToEnd = new EnumMap<>(Workload.class);
        Map<String, Summary> stress = new LinkedHashMap<>();
        if (options.runs("e2e") || options.runs("stress") || options.runs("lane")) {
            System.out.println("Starting " + (options.url() == null ? "an embedded PostgreSQL" : "on " + options.url())
                    + "...");
            try (Target target = options.url() == null ? Target.startEmbedded() : Target.of(options.url())) {
                String server = prepare(target);
                report.append("\nServer: ").append(server).append(" (").append(target.describe()).append(")\n");
                Pgbench pgbench = Pgbench.find();
                if (pgbench == null) {
                    notes.add("pgbench is not installed (looked at $PGBENCH, /usr/bin/pgbench, PATH): skipped; "
                            + "no ratios to pgbench");
                } else {
                    report.append("pgbench: ").append(pgbench.version()).append("\n");
                }
                if (options.runs("e2e")) {
                    endToEnd = EndToEnd.run(options, target, pgbench, notes);
                    Tables.endToEnd(report, options, endToEnd);
                }
                if (options.runs("stress")) {
                    stress = EndToEnd.stress(options, target, notes);
                    Tables.stress(report, options, stress);
                }
                if (options.runs("lane")) {
                    Tables.laneFairness(report, options, EndToEnd.laneFairness(options, target, notes));
                }
            }
        }
        String loadAfter = Machine.loadAverage();
        report.append("\nLoad average after: ").append(loadAfter).append("\n");
        if (options.chart() != null && !endToEnd.isEmpty()) {
            String caption = "Pool " + options.poolSize() + ", " + options.inFlight() + " in flight; "
                    + options.rounds() + " round(s) x " + java.math.BigDecimal.valueOf(options.runLength().toMillis(), 3).stripTrailingZeros().toPlainString()
                    + " s, median round; Java " + Runtime.version().feature() + ", "
                    + Runtime.getRuntime().availableProcessors() + " cores shared with the server; load "
                    + loadBefore.split(" ")[0] + " -> " + loadAfter.split(" ")[0] + "; "
                    + Instant.now().toString().substring(0, 16).replace('T', ' ') + " UTC"
                    + (options.quick() ? " (QUICK SMOKE: not figures)" : "");
            String svg = Chart.svg(endToEnd, caption);
            if (svg == null) {
                notes.add("no chart: no workload has a pgbench figure to compare with");
            } else {
                Path parent = options.chart().toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(options.chart(), svg);
                report.append("\nChart written to ").append(options.chart()).append("\n");
            }
        }
        notes.forEach(n -> report.append("\nNote: ").append(n).append("\n"));
        return new Results(overhead, endToEnd, stress, notes);
    }

    /** Creates the accounts table; answers the server's version. */
    private static String prepare(Target target) {
        PostgresqlConnectionFactory driver = new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
                .host(target.host()).port(target.port()).database(target.database()).username(target.user())
                .password(target.password().isEmpty() ? null : target.password()).applicationName("bench-setup")
                .build());
        return Flux.usingWhen(driver.create(), c -> Flux.fromIterable(Workload.SETUP)
                        .concatMap(sql -> Flux.from(c.createStatement(sql).execute()).flatMap(Result::getRowsUpdated))
                        .thenMany(Flux.from(c.createStatement("SHOW server_version").execute())
                                .flatMap(r -> r.map((row, meta) -> "PostgreSQL " + row.get(0, String.class)))),
                        Connection::close)
                .next().block(Duration.ofSeconds(60));
    }
}
