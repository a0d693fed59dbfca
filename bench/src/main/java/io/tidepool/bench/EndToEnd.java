package io.tidepool.bench;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The end-to-end and stress tests: contenders interleaved in rounds, in a rotating order. */
final class EndToEnd {

    /** Cancelled requests are cancelled after a random delay up to this, waiting or running. */
    static final Duration CANCEL_WITHIN = Duration.ofMillis(10);

    /** The most warm-up passes over all contenders before a workload's measured rounds. */
    private static final int MAX_WARM_PASSES = 5;

    /** The contender on the multiplexed lane. */
    static final String MULTIPLEXED = "tidepool multiplexed";

    private EndToEnd() {
    }

    static Map<Workload, List<Summary>> run(Bench.Options options, Target target, @Nullable Pgbench pgbench,
                                            List<String> notes) {
        Map<Workload, List<Summary>> out = new EnumMap<>(Workload.class);
        List<Contender> contenders = open(target, options, true);
        if (!options.includes("pgbench")) {
            pgbench = null;
        }
        for (Contender contender : contenders) {
            if (contender instanceof HikariContender hikari) {
                notes.add(HikariContender.NAME + " ran its requests on " + hikari.threads(options.inFlight()));
            }
        }
        try {
            open(contenders, options);
            for (Workload workload : Workload.values()) {
                if (!workload.endToEnd() || !options.includes(workload)) {
                    continue;
                }
                System.out.println("End to end: " + workload.label() + "...");
                warm(contenders, workload, options.inFlight(), options);
                Map<String, List<RunResult>> runs = new LinkedHashMap<>();
                int entrants = contenders.size() + (pgbench != null ? 1 : 0);
                for (int round = 0; round < options.rounds(); round++) {
                    for (int k = 0; k < entrants; k++) {
                        int index = (k + round) % entrants;
                        RunResult result;
                        if (index == contenders.size()) {
                            result = pgbench.run(target, workload, options.poolSize(),
                                    (int) Math.round(options.runLength().toMillis() / 1000.0));
                        } else {
                            result = LoadRunner.run(contenders.get(index), workload, options.inFlight(),
                                    options.runLength(), 0, CANCEL_WITHIN, target.port());
                        }
                        System.out.printf("  round %d %-28s %10.0f/s %8.1f µs CPU/req %7.0f B/req %5.2f cs/req"
                                        + " %5.2f writes/req %5.2f rt/req (%5.2f back) on %d conns  p99 %6.2f ms (wait %6.2f)%n",
                                round + 1, result.contender(), result.throughput(), result.cpuMicrosPerRequest(),
                                result.bytesPerRequest(), result.switchesPerRequest(), result.writesPerRequest(),
                                result.clientSegmentsPerRequest(), result.serverSegmentsPerRequest(),
                                result.connectionsUsed(), result.latencyMillis(99), result.waitMillis(99));
                        runs.computeIfAbsent(result.contender(), n -> new ArrayList<>()).add(result);
                    }
                }
                List<Summary> summaries = new ArrayList<>();
                runs.forEach((name, list) -> summaries.add(new Summary(name, list)));
                out.put(workload, summaries);
            }
        } finally {
            close(contenders, notes);
        }
        if (pgbench != null && options.runLength().toMillis() % 1000 != 0) {
            notes.add("pgbench counts whole seconds: its runs lasted " + Math.round(options.runLength().toMillis()
                    / 1000.0) + " s (a fixed " + "count of transactions when that is 0)");
        }
        return out;
    }

    /** Twice the requests in flight (by default) on the same pool size, without and with a 1-in-100 cancellation. */
    static Map<String, Summary> stress(Bench.Options options, Target target, List<String> notes) {
        List<Contender> contenders = open(target, options, false);
        Map<String, List<RunResult>> runs = new LinkedHashMap<>();
        System.out.println("Stress: " + options.stressInFlight() + " in flight on " + options.poolSize()
                + " connections...");
        try {
            open(contenders, options);
            warm(contenders, Workload.SELECT_1, options.stressInFlight(), options);
            int[] cancelOneIn = {0, 100};
            if (contenders.isEmpty()) {
                return Map.of();
            }
            int entrants = contenders.size() * cancelOneIn.length;
            for (int round = 0; round < options.rounds(); round++) {
                for (int k = 0; k < entrants; k++) {
                    int index = (k + round) % entrants;
                    Contender contender = contenders.get(index / cancelOneIn.length);
                    int cancel = cancelOneIn[index % cancelOneIn.length];
                    RunResult result = LoadRunner.run(contender, Workload.SELECT_1, options.stressInFlight(),
                            options.runLength(), cancel, CANCEL_WITHIN, -1);
                    String key = contender.name() + (cancel == 0 ? "" : ", 1/" + cancel + " cancelled");
                    System.out.printf("  round %d %-40s %10.0f/s %8.1f µs CPU/req, %d borrowed after%n", round + 1,
                            key, result.throughput(), result.cpuMicrosPerRequest(), result.borrowedAfter());
                    runs.computeIfAbsent(key, n -> new ArrayList<>()).add(result);
                }
            }
        } finally {
            close(contenders, notes);
        }
        Map<String, Summary> out = new LinkedHashMap<>();
        runs.forEach((key, list) -> out.put(key, new Summary(key, list)));
        return out;
    }

    /**
     * The lane's fairness: plain {@code SELECT 1} and the slow mix (one in 1,000 a 50 ms {@code pg_sleep}) in turn on
     * the multiplexed contender, same in-flight count; the mix's p99 over plain's is the figure (target: at most 2).
     */
    static Map<String, Summary> laneFairness(Bench.Options options, Target target, List<String> notes) {
        Contender lane = Contender.tidepoolUrl(MULTIPLEXED, target, options.poolSize(), "native",
                "&multiplex=true&multiplexConnections=" + options.multiplexConnections());
        Map<String, List<RunResult>> runs = new LinkedHashMap<>();
        Workload[] workloads = {Workload.SELECT_1, Workload.SLOW_MIX};
        System.out.println("Lane fairness: " + options.inFlight() + " in flight on "
                + options.multiplexConnections() + " shared connections...");
        try {
            lane.warm(options.poolSize());
            warm(List.of(lane), Workload.SELECT_1, options.inFlight(), options);
            for (int round = 0; round < options.rounds(); round++) {
                for (int k = 0; k < workloads.length; k++) {
                    Workload workload = workloads[(k + round) % workloads.length];
                    RunResult result = LoadRunner.run(lane, workload, options.inFlight(), options.runLength(), 0,
                            CANCEL_WITHIN, -1);
                    System.out.printf("  round %d %-40s %10.0f/s p50 %6.2f ms p99 %6.2f ms%n", round + 1,
                            workload.label(), result.throughput(), result.latencyMillis(50), result.latencyMillis(99));
                    runs.computeIfAbsent(workload.label(), n -> new ArrayList<>()).add(result);
                }
            }
        } finally {
            close(List.of(lane), notes);
        }
        Map<String, Summary> out = new LinkedHashMap<>();
        runs.forEach((key, list) -> out.put(key, new Summary(key, list)));
        return out;
    }

    /** Closes each contender; one that does not close in time (a connection it never got back) is noted, not fatal. */
    private static void close(List<Contender> contenders, List<String> notes) {
        for (Contender contender : contenders) {
            try {
                contender.close();
            } catch (RuntimeException e) {
                notes.add(contender.name() + " did not close within " + Contender.CLOSE_WITHIN.toSeconds()
                        + " s (" + e.getMessage() + ")");
            }
        }
    }

    private static List<Contender> open(Target target, Bench.Options options, boolean all) {
        int size = options.poolSize();
        List<Contender> contenders = new ArrayList<>();
        if (options.includes("tidepool")) {
            contenders.add(Contender.tidepool(target, size));
        }
        if (all && options.includes("tidepool url")) {
            contenders.add(Contender.tidepoolUrl("tidepool url", target, size, "r2dbc-postgresql"));
        }
        if (all && options.includes("tidepool native")) {
            contenders.add(Contender.tidepoolUrl("tidepool native", target, size, "native"));
        }
        if (all && options.includes(MULTIPLEXED)) {
            // the lane: every borrower's statements on multiplexConnections shared connections
            // the bound: at most that many physical connections, so the lane may not grow here
            contenders.add(Contender.tidepoolUrl(MULTIPLEXED, target, size, "native",
                    "&multiplex=true&multiplexConnections=" + options.multiplexConnections()
                            + "&multiplexMaxConnections=" + options.multiplexConnections()));
        }
        if (options.baseline() != null && options.includes("tidepool@baseline")) {
            contenders.add(Contender.tidepoolBaseline(target, size, options.baseline()));
        }
        if (options.includes("r2dbc-pool")) {
            contenders.add(Contender.r2dbcPool(target, size, null));
        }
        if (all && options.includes("r2dbc-pool+validationQuery")) {
            contenders.add(Contender.r2dbcPool(target, size, "SELECT 1"));
        }
        if (all && options.includes("bare driver")) {
            contenders.add(Contender.bare(target, size));
        }
        if (all && options.includes("bare driver spread")) {
            contenders.add(Contender.bare(target, size, true));
        }
        if (all && options.includes("bare native")) {
            contenders.add(Contender.bareNative(target, size));
        }
        if (all && options.includes(VertxContender.POOLED)) {
            contenders.add(VertxContender.pooled(target, size));
        }
        if (all && options.includes(VertxContender.PIPELINED)) {
            contenders.add(VertxContender.pipelined(target, size));
        }
        if (all && options.includes(HikariContender.NAME)) {
            contenders.add(HikariContender.open(target, size, options.inFlight()));
        }
        return contenders;
    }

    /** Opens every contender's connections. */
    private static void open(List<Contender> contenders, Bench.Options options) {
        for (Contender contender : contenders) {
            contender.warm(options.poolSize());
        }
    }

    /**
     * Runs the workload on every contender, in turn, right before its measured rounds, until the JIT is quiet: a
     * pass in which compilation took under 2 % of the pass (at least 2 passes, at most {@link #MAX_WARM_PASSES}; one in
     * a quick run).
     * Reactor's operators are shared by all contenders, each newcomer's types make shared call sites polymorphic and
     * the JIT recompiles them; and the compiler's CPU counts for whoever runs meanwhile. With one short pass, the
     * first measured run (Tidepool's, in round 1) ran 20-60 % slower than its later rounds and put its tail into every
     * pooled percentile.
     */
    private static void warm(List<Contender> contenders, Workload workload, int inFlight, Bench.Options options) {
        if (contenders.isEmpty()) {
            return;
        }
        long passMillis = options.warmLength().toMillis() * contenders.size();
        int passes = options.quick() ? 1 : MAX_WARM_PASSES;
        for (int pass = 1; pass <= passes; pass++) {
            long compiledBefore = Machine.compilationMillis();
            for (Contender contender : contenders) {
                LoadRunner.run(contender, workload, inFlight, options.warmLength(), 0, CANCEL_WITHIN, -1);
            }
            long compiled = Machine.compilationMillis() - compiledBefore;
            System.out.printf("  warm-up pass %d: %d ms of JIT compilation in %d ms%n", pass, compiled, passMillis);
            if (pass >= 2 && (compiled < 0 || compiled * 50 < passMillis)) {
                return;
            }
        }
    }
}
