package io.tidepool.bench;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * What one contender did in one timed run.
 *
 * @param contender who ran
 * @param clients how many requests it had in flight
 * @param completed requests completed inside the measured window (cancelled ones excluded)
 * @param seconds the window's length
 * @param latency request latencies in nanoseconds, from the request's start (acquire included) to its end
 * @param meanMillis the mean latency in milliseconds (pgbench reports only this)
 * @param acquireWait nanoseconds from the request's start to the moment it had its connection; empty when not measured
 * @param fewestPerClient the fewest requests one client completed (-1 when unknown)
 * @param mostPerClient the most requests one client completed (-1 when unknown)
 * @param errors requests that failed
 * @param cancels requests cancelled by the run (the cancellation rate of the stress test)
 * @param firstError the first failure, for the report
 * @param discards connections the pool closed instead of returning (-1 when the pool does not say)
 * @param borrowedAfter connections still borrowed once the run ended (-1 when the pool does not say)
 * @param cpuMicrosPerRequest the client's CPU time per completed request, in microseconds (the JVM's for the JVM
 *        contenders, pgbench's own for pgbench; NaN when unknown)
 * @param bytesPerRequest bytes the JVM allocated per completed request (NaN for pgbench or when unknown): the figure
 *        contention does not skew at all
 * @param switchesPerRequest the JVM's threads' context switches per completed request (NaN for pgbench or when
 *        unknown): thread wake-ups and hand-offs
 * @param writesPerRequest the JVM's write system calls per completed request ({@link Machine#writeSyscalls}; NaN for
 *        pgbench or when unknown): the client's flushes
 * @param clientSegmentsPerRequest TCP segments with data the client sent to the server per completed request
 *        ({@link Wire}; NaN when unknown)
 * @param serverSegmentsPerRequest TCP segments with data the server sent to the client per completed request: round
 *        trips for a client that waits for each answer, fewer for one that pipelines ({@link Wire}; NaN when unknown)
 * @param connectionsUsed connections to the server that carried data during the run (-1 when unknown)
 */
record RunResult(String contender, int clients, long completed, double seconds, Histogram latency, Histogram acquireWait,
                 double meanMillis, long fewestPerClient, long mostPerClient, long errors, long cancels, @Nullable String firstError,
                 long discards, long borrowedAfter, double cpuMicrosPerRequest,
                 double bytesPerRequest, double switchesPerRequest, double writesPerRequest,
                 double clientSegmentsPerRequest, double serverSegmentsPerRequest, long connectionsUsed) {

    double throughput() {
        return completed / seconds;
    }

    /** A latency percentile of this run in milliseconds; NaN when it recorded none (pgbench). */
    double latencyMillis(double percentile) {
        return millis(latency, percentile);
    }

    /** As {@link #latencyMillis}, for the wait from a request's start to its work starting on a connection. */
    double waitMillis(double percentile) {
        return millis(acquireWait, percentile);
    }

    private static double millis(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1e6;
    }
}
