package io.tidepool.bench;

import java.util.List;

/**
 * One contender's runs of one test, over all rounds: the median round's throughput, costs and latency percentiles.
 *
 * @param contender who ran
 * @param runs one per round
 */
record Summary(String contender, List<RunResult> runs) {

    double medianThroughput() {
        double[] sorted = runs.stream().mapToDouble(RunResult::throughput).sorted().toArray();
        int n = sorted.length;
        return n == 0 ? 0 : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The median round's client CPU per request, in microseconds (NaN when unknown). */
    double medianCpuMicros() {
        return median(runs.stream().mapToDouble(RunResult::cpuMicrosPerRequest));
    }

    /** The median round's bytes allocated per request (NaN when unknown). */
    double medianBytes() {
        return median(runs.stream().mapToDouble(RunResult::bytesPerRequest));
    }

    /** The median round's context switches per request (NaN when unknown). */
    double medianSwitches() {
        return median(runs.stream().mapToDouble(RunResult::switchesPerRequest));
    }

    /** The median round's write system calls per request (NaN when unknown). */
    double medianWrites() {
        return median(runs.stream().mapToDouble(RunResult::writesPerRequest));
    }

    /** The median round's client-to-server data segments per request (NaN when unknown). */
    double medianClientSegments() {
        return median(runs.stream().mapToDouble(RunResult::clientSegmentsPerRequest));
    }

    /** The median round's server-to-client data segments per request: round trips when not pipelined. */
    double medianServerSegments() {
        return median(runs.stream().mapToDouble(RunResult::serverSegmentsPerRequest));
    }

    /** The most connections that carried data in one round (-1 when unknown). */
    long connectionsUsed() {
        return runs.stream().mapToLong(RunResult::connectionsUsed).max().orElse(-1);
    }

    private static double median(java.util.stream.DoubleStream values) {
        double[] sorted = values.filter(v -> !Double.isNaN(v)).sorted().toArray();
        int n = sorted.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * A latency percentile of the median round, in milliseconds (NaN when no round recorded any): each round's own
     * percentile, then the median of those, as for throughput. Pooling all rounds into one histogram let one slow
     * round (a drift of the machine, which the contender that runs first in the rotation meets most) set a
     * contender's tail.
     */
    double latencyMillis(double percentile) {
        return median(runs.stream().mapToDouble(r -> r.latencyMillis(percentile)));
    }

    /** As {@link #latencyMillis}, for the wait from a request's start to its work starting on a connection. */
    double waitMillis(double percentile) {
        return median(runs.stream().mapToDouble(r -> r.waitMillis(percentile)));
    }

    /** Each round's p99 latency in milliseconds, in round order, for the report. */
    String p99ByRound() {
        String all = runs.stream().mapToDouble(r -> r.latencyMillis(99)).filter(v -> !Double.isNaN(v))
                .mapToObj(v -> Tables.f(v, 1)).collect(java.util.stream.Collectors.joining(", "));
        return all.isEmpty() ? "–" : all;
    }

    /** The mean latency over all rounds, weighted by requests. */
    double meanMillis() {
        long total = runs.stream().mapToLong(RunResult::completed).sum();
        return total == 0 ? Double.NaN
                : runs.stream().mapToDouble(r -> r.meanMillis() * r.completed()).sum() / total;
    }

    int clients() {
        return runs.isEmpty() ? 0 : runs.get(0).clients();
    }

    long errors() {
        return runs.stream().mapToLong(RunResult::errors).sum();
    }

    long cancels() {
        return runs.stream().mapToLong(RunResult::cancels).sum();
    }

    /** The worst round's ratio of the busiest client's completions to the least busy one's. */
    double worstFairness() {
        return runs.stream().filter(r -> r.fewestPerClient() >= 0)
                .mapToDouble(r -> r.fewestPerClient() == 0 ? Double.POSITIVE_INFINITY
                : (double) r.mostPerClient() / r.fewestPerClient()).max().orElse(Double.NaN);
    }

    long discards() {
        return runs.stream().mapToLong(RunResult::discards).reduce(0, (a, b) -> a < 0 || b < 0 ? -1 : a + b);
    }

    long borrowedAfter() {
        return runs.stream().mapToLong(RunResult::borrowedAfter).max().orElse(-1);
    }

    String firstError() {
        return runs.stream().map(RunResult::firstError).filter(e -> e != null).findFirst().orElse("");
    }
}
