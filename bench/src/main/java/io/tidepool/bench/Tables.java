package io.tidepool.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The report's markdown tables. */
final class Tables {

    private Tables() {
    }

    static void overhead(StringBuilder out, List<Overhead.Row> all, boolean quick) {
        List<Overhead.Row> rows = all.stream().filter(r -> r.work().equals(Overhead.ACQUIRE_RELEASE)).toList();
        out.append("\n## Pool overhead (JMH, in-memory fake connections: acquire -> release, no network)\n\n");
        out.append(quick ? "Quick: one 200 ms iteration, no fork: a smoke, not a figure. "
                : "1 fork, 3 x 1 s warm-up, 2 x 1 s measurement; -prof gc. ");
        out.append("Cycles per microsecond, all borrowers "
                + "together (higher is better); ratio to reactor-pool in the same cell; bytes allocated per cycle. "
                + "1 and 8 borrowers: JMH threads, each blocking on its cycle; " + PoolOverheadBenchmark.BURST
                + ": that many borrowings in flight on one thread (most wait in the pool's queue; each return hands "
                + "its connection to the next).\n\n");
        out.append("| borrowers | size | tidepool cycles/µs | r2dbc-pool cycles/µs | reactor-pool cycles/µs "
                + "| tidepool / reactor-pool | r2dbc-pool / reactor-pool | tidepool B/cycle | r2dbc-pool B/cycle "
                + "| reactor-pool B/cycle |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        rows.stream().map(Tables::cell).distinct().forEach(cell -> {
            Optional<Overhead.Row> t = find(rows, cell, "tidepool");
            Optional<Overhead.Row> p = find(rows, cell, "r2dbc-pool");
            Optional<Overhead.Row> x = find(rows, cell, "reactor-pool");
            String[] parts = cell.split("/");
            out.append("| ").append(parts[0]).append(" | ").append(parts[1]).append(" | ")
                    .append(score(t)).append(" | ").append(score(p)).append(" | ").append(score(x)).append(" | ")
                    .append(ratio(t, x)).append(" | ").append(ratio(p, x)).append(" | ")
                    .append(bytes(t)).append(" | ").append(bytes(p)).append(" | ").append(bytes(x)).append(" |\n");
        });
        baselines(out, rows);

        List<Overhead.Row> work = all.stream().filter(r -> !r.work().equals(Overhead.ACQUIRE_RELEASE)).toList();
        if (work.isEmpty()) {
            return;
        }
        out.append("\n## Pool cost per request (JMH, in-memory fake connections, the end-to-end workloads' code)\n\n");
        out.append("Pool size 10; requests per microsecond, all borrowers together; `no pool` runs the same work on "
                + "one connection directly (the floor); bytes allocated per request.\n\n");
        out.append("| work | borrowers | tidepool req/µs | r2dbc-pool req/µs | reactor-pool req/µs | no pool req/µs "
                + "| tidepool / reactor-pool | tidepool B/req | r2dbc-pool B/req | reactor-pool B/req "
                + "| no pool B/req |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        work.stream().map(Tables::cell).distinct().forEach(cell -> {
            Optional<Overhead.Row> t = find(work, cell, "tidepool");
            Optional<Overhead.Row> p = find(work, cell, "r2dbc-pool");
            Optional<Overhead.Row> x = find(work, cell, "reactor-pool");
            Optional<Overhead.Row> n = find(work, cell, "no pool");
            String[] parts = cell.split("/");
            out.append("| ").append(parts[2]).append(" | ").append(parts[0]).append(" | ")
                    .append(score(t)).append(" | ").append(score(p)).append(" | ").append(score(x)).append(" | ")
                    .append(score(n)).append(" | ").append(ratio(t, x)).append(" | ")
                    .append(bytes(t)).append(" | ").append(bytes(p)).append(" | ").append(bytes(x)).append(" | ")
                    .append(bytes(n)).append(" |\n");
        });
        baselines(out, work);
    }

    private static void baselines(StringBuilder out, List<Overhead.Row> rows) {
        rows.stream().filter(r -> r.pool().equals("tidepool@baseline")).forEach(b -> {
            Optional<Overhead.Row> t = find(rows, cell(b), "tidepool");
            out.append("\n").append(cell(b)).append(" (borrowers/size/work): tidepool@baseline ")
                    .append(score(Optional.of(b))).append(" per µs, ").append(bytes(Optional.of(b)))
                    .append(" B; tidepool / baseline ").append(ratio(t, Optional.of(b))).append("\n");
        });
    }

    private static String cell(Overhead.Row r) {
        return r.borrowers() + "/" + r.size() + "/" + r.work();
    }

    private static Optional<Overhead.Row> find(List<Overhead.Row> rows, String cell, String pool) {
        return rows.stream().filter(r -> cell(r).equals(cell) && r.pool().equals(pool)).findFirst();
    }

    private static String score(Optional<Overhead.Row> row) {
        return row.map(r -> Double.isNaN(r.error()) ? f(r.cyclesPerMicro(), 3)
                : f(r.cyclesPerMicro(), 3) + " ± " + f(r.error(), 3)).orElse("–");
    }

    private static String ratio(Optional<Overhead.Row> a, Optional<Overhead.Row> b) {
        return a.isPresent() && b.isPresent() ? f(a.get().cyclesPerMicro() / b.get().cyclesPerMicro(), 2) : "–";
    }

    private static String bytes(Optional<Overhead.Row> row) {
        return row.map(r -> f(r.bytesPerCycle(), 0)).orElse("–");
    }

    static void endToEnd(StringBuilder out, Bench.Options options, Map<Workload, List<Summary>> results) {
        for (Map.Entry<Workload, List<Summary>> e : results.entrySet()) {
            out.append("\n## End to end: ").append(e.getKey().label()).append("\n\n");
            out.append("Pool ").append(options.poolSize()).append(", ").append(options.inFlight())
                    .append(" requests in flight (pgbench and the bare driver: one per connection); ")
                    .append(options.rounds()).append(" rounds x ").append(options.runLength().toMillis())
                    .append(" ms, contenders interleaved; median throughput; latency percentiles of the median round "
                            + "(each round's percentile, then their median; every round's p99 listed; pgbench reports "
                            + "only its mean). Client CPU: the client's own CPU time per "
                            + "request (the JVM's, all threads; pgbench's process), median round; B/req: bytes the "
                            + "JVM allocated per request; cs/req: the JVM's context switches per request (thread "
                            + "wake-ups), median round. Per request on the wire (median round): writes: the JVM's "
                            + "write/writev calls (/proc/self/io syscw; Netty's native epoll transport, under "
                            + "Tidepool, r2dbc-pool and the bare driver, sends with sendto, which syscw does not "
                            + "count: what is left there is other writes, such as event-loop wake-ups); round trips: the TCP segments with data the client sent to the "
                            + "server (kernel counters of each connection, ss -ti), i.e. its flushes, each followed "
                            + "by a wait unless the client pipelines, so a pipelining client has fewer than its "
                            + "statements; server segs: the segments with data the server sent back; conns: the "
                            + "connections that carried at least 1 % of the client's segments, busiest round.\n\n");
            double pgbench = e.getValue().stream().filter(s -> s.contender().equals("pgbench"))
                    .mapToDouble(Summary::medianThroughput).findFirst().orElse(Double.NaN);
            out.append("| contender | in flight | requests/s (median) | rounds | ratio to pgbench | client CPU µs/req "
                    + "| B/req | cs/req | writes/req | round trips/req | server segs/req | conns "
                    + "| mean ms | p50 ms | p99 ms | p99.9 ms | p99 by round ms | errors |\n");
            out.append("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
            for (Summary s : e.getValue()) {
                out.append("| ").append(s.contender()).append(" | ").append(s.clients()).append(" | ")
                        .append(f(s.medianThroughput(), 0)).append(" | ").append(rounds(s)).append(" | ")
                        .append(Double.isNaN(pgbench) ? "–" : f(s.medianThroughput() / pgbench, 2)).append(" | ")
                        .append(f(s.medianCpuMicros(), 1)).append(" | ").append(f(s.medianBytes(), 0)).append(" | ")
                        .append(f(s.medianSwitches(), 2)).append(" | ").append(f(s.medianWrites(), 2)).append(" | ")
                        .append(f(s.medianClientSegments(), 2)).append(" | ").append(f(s.medianServerSegments(), 2))
                        .append(" | ").append(s.connectionsUsed() < 0 ? "–" : String.valueOf(s.connectionsUsed()))
                        .append(" | ").append(f(s.meanMillis(), 2)).append(" | ")
                        .append(f(s.latencyMillis(50), 2)).append(" | ").append(f(s.latencyMillis(99), 2)).append(" | ")
                        .append(f(s.latencyMillis(99.9), 2)).append(" | ").append(s.p99ByRound()).append(" | ")
                        .append(s.errors()).append(" |\n");
            }
            e.getValue().stream().filter(s -> s.errors() > 0).forEach(s ->
                    out.append("\n").append(s.contender()).append(" first error: ").append(s.firstError()).append("\n"));
        }
    }

    static void stress(StringBuilder out, Bench.Options options, Map<String, Summary> results) {
        out.append("\n## Stress: SELECT 1, ").append(options.stressInFlight()).append(" requests in flight on ")
                .append(options.poolSize()).append(" connections\n\n");
        out.append("Cancelled requests (1 in 100) are cancelled after a random delay up to ")
                .append(EndToEnd.CANCEL_WITHIN.toMillis()).append(" ms, waiting or running. Acquire wait: from the "
                + "request's start to its work starting on a connection. Fairness: the busiest client's completed "
                + "requests over the least busy one's (worst round; 1.00 is perfectly fair). Percentiles: the median round's.\n\n");
        out.append("| contender | requests/s (median) | rounds | vs no cancellation | client CPU µs/req | p50 ms | p99 ms "
                + "| p99 acquire wait ms | fairness max/min | cancelled | errors | connections discarded "
                + "| borrowed after |\n");
        out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Summary s : results.values()) {
            String base = s.contender().replaceFirst(", 1/.*$", "");
            Summary plain = results.get(base);
            out.append("| ").append(s.contender()).append(" | ").append(f(s.medianThroughput(), 0)).append(" | ")
                    .append(rounds(s)).append(" | ")
                    .append(plain == null || plain == s ? "1.00" : f(s.medianThroughput() / plain.medianThroughput(), 2))
                    .append(" | ").append(f(s.medianCpuMicros(), 1))
                    .append(" | ").append(f(s.latencyMillis(50), 2)).append(" | ").append(f(s.latencyMillis(99), 2))
                    .append(" | ").append(f(s.waitMillis(99), 2)).append(" | ").append(f(s.worstFairness(), 2)).append(" | ")
                    .append(s.cancels()).append(" | ").append(s.errors()).append(" | ")
                    .append(s.discards() < 0 ? "–" : String.valueOf(s.discards())).append(" | ")
                    .append(s.borrowedAfter() < 0 ? "–" : String.valueOf(s.borrowedAfter())).append(" |\n");
        }
        results.values().stream().filter(s -> s.errors() > 0).forEach(s ->
                out.append("\n").append(s.contender()).append(" first error: ").append(s.firstError()).append("\n"));
    }

    static void laneFairness(StringBuilder out, Bench.Options options, Map<String, Summary> results) {
        out.append("\n## Lane fairness: ").append(options.inFlight()).append(" in flight on ")
                .append(options.multiplexConnections()).append(" shared connections\n\n");
        out.append("The multiplexed contender alone, plain SELECT 1 and the slow mix (one request in 1,000 a 50 ms "
                + "pg_sleep) in turn, with the lane's defaults (it may grow to twice its connections while slow statements hold some up); the mix's p99 over plain's is the figure (the issue's target: at most 2). "
                + "Percentiles: the median round's.\n\n");
        out.append("| workload | requests/s (median) | rounds | p50 ms | p99 ms | p99.9 ms | p99 vs plain | errors |\n");
        out.append("|---|---:|---|---:|---:|---:|---:|---:|\n");
        Summary plain = results.get(Workload.SELECT_1.label());
        for (Summary s : results.values()) {
            out.append("| ").append(s.contender()).append(" | ").append(f(s.medianThroughput(), 0)).append(" | ")
                    .append(rounds(s)).append(" | ").append(f(s.latencyMillis(50), 2)).append(" | ")
                    .append(f(s.latencyMillis(99), 2)).append(" | ").append(f(s.latencyMillis(99.9), 2)).append(" | ")
                    .append(plain == null ? "–" : f(s.latencyMillis(99) / plain.latencyMillis(99), 2)).append(" | ")
                    .append(s.errors()).append(" |\n");
        }
    }

    private static String rounds(Summary s) {
        StringBuilder b = new StringBuilder();
        for (RunResult r : s.runs()) {
            b.append(b.length() == 0 ? "" : ", ").append(f(r.throughput(), 0));
        }
        return b.toString();
    }

    static String f(double value, int decimals) {
        return Double.isNaN(value) ? "–" : Double.isInfinite(value) ? "∞" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
