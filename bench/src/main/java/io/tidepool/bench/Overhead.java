package io.tidepool.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Runs {@link PoolOverheadBenchmark} through JMH's API, once per borrower count, with the GC profiler. */
final class Overhead {

    /**
     * One measured cell.
     *
     * @param pool the pool
     * @param size its maximum size
     * @param borrowers concurrent borrowers (JMH threads)
     * @param cyclesPerMicro acquire-release cycles per microsecond, all borrowers together
     * @param error the 99.9 % confidence half-interval JMH gives (NaN with too few iterations)
     * @param bytesPerCycle bytes allocated per cycle
     */
    record Row(String pool, int size, int borrowers, double cyclesPerMicro, double error, double bytesPerCycle) {
    }

    private Overhead() {
    }

    /**
     * @param borrowerCounts JMH thread counts to run. 64 is not a default: with connections that answer at once, a
     *                       release drains reactor-pool's pending borrowers on the releasing thread and runs their
     *                       whole cycles there, so with 64 blocking borrowers one thread can stay in that loop for
     *                       minutes and JMH cannot end the iteration (seen with Tidepool, pool size 10)
     */
    static List<Row> run(boolean quick, List<Integer> borrowerCounts) throws RunnerException {
        List<Row> rows = new ArrayList<>();
        List<Integer> borrowers = quick ? List.of(8) : borrowerCounts;
        for (int threads : borrowers) {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(PoolOverheadBenchmark.class.getName() + ".acquireRelease")
                    .threads(threads)
                    .addProfiler(GCProfiler.class)
                    .shouldFailOnError(true)
                    .verbosity(VerboseMode.SILENT);
            if (quick) {
                options.forks(0).param("size", "10").warmupIterations(1).warmupTime(TimeValue.milliseconds(200))
                        .measurementIterations(1).measurementTime(TimeValue.milliseconds(200));
            } else {
                options.forks(1).jvmArgsAppend("-Xms512m", "-Xmx512m")
                        .warmupIterations(1).warmupTime(TimeValue.seconds(1))
                        .measurementIterations(2).measurementTime(TimeValue.seconds(1));
            }
            System.out.println("  JMH: " + threads + " borrower(s)...");
            Collection<RunResult> results = new Runner(options.build()).run();
            for (RunResult result : results) {
                BenchmarkParams params = result.getParams();
                Result<?> primary = result.getPrimaryResult();
                double bytes = Double.NaN;
                for (String key : result.getSecondaryResults().keySet()) {
                    if (key.endsWith("gc.alloc.rate.norm")) {
                        bytes = result.getSecondaryResults().get(key).getScore();
                    }
                }
                rows.add(new Row(params.getParam("pool"), Integer.parseInt(params.getParam("size")), threads,
                        primary.getScore(), primary.getScoreError(), bytes));
            }
        }
        return rows;
    }
}
