package io.tidepool.bench;

import org.jspecify.annotations.Nullable;
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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Runs {@link PoolOverheadBenchmark} and {@link PoolWorkBenchmark} through JMH's API, once per borrower count, with
 * the GC profiler.
 */
final class Overhead {

    /** The {@link Row#work()} of {@link PoolOverheadBenchmark}'s cells. */
    static final String ACQUIRE_RELEASE = "acquire-release";

    /**
     * One measured cell.
     *
     * @param pool the pool
     * @param work {@link #ACQUIRE_RELEASE}, or the {@link Workload} {@link PoolWorkBenchmark} ran
     * @param size its maximum size
     * @param borrowers concurrent borrowers (JMH threads, or borrowings in flight on one thread for a burst)
     * @param cyclesPerMicro operations (cycles or requests) per microsecond, all borrowers together
     * @param error the 99.9 % confidence half-interval JMH gives (NaN with too few iterations)
     * @param bytesPerCycle bytes allocated per operation
     */
    record Row(String pool, String work, int size, int borrowers, double cyclesPerMicro, double error,
               double bytesPerCycle) {

        Row withBorrowers(int count) {
            return new Row(pool, work, size, count, cyclesPerMicro, error, bytesPerCycle);
        }
    }

    private Overhead() {
    }

    /**
     * @param borrowerCounts concurrent borrowers to run: JMH threads, except {@value PoolOverheadBenchmark#BURST},
     *                       which runs {@link PoolOverheadBenchmark#burst()} (that many borrowings in flight on one
     *                       thread, acquire-release only). 64 blocking threads cannot be measured: with connections and
     *                       work that complete at once, reactor-pool's drain loop runs the other borrowers' whole
     *                       cycles on the thread that holds it, and 63 blocking borrowers keep it busy for good, so
     *                       that thread never returns to JMH and the iteration cannot end; reactor-pool used directly
     *                       stalls the same way
     * @param baseline another build's core jar, measured as {@code tidepool@baseline}, or null
     */
    static List<Row> run(boolean quick, List<Integer> borrowerCounts, @Nullable Path baseline)
            throws RunnerException {
        List<Row> rows = new ArrayList<>();
        List<Integer> borrowers = quick ? List.of(8, PoolOverheadBenchmark.BURST) : borrowerCounts;
        if (baseline != null) {
            System.setProperty("tidepool.baseline", baseline.toAbsolutePath().toString());
        }
        for (int threads : borrowers) {
            System.out.println("  JMH: " + threads + " borrower(s)...");
            List<String> pools = new ArrayList<>(List.of("tidepool", "r2dbc-pool", "reactor-pool"));
            if (baseline != null) {
                pools.add(1, "tidepool@baseline");
            }
            if (threads == PoolOverheadBenchmark.BURST) {
                rows.addAll(measure(PoolOverheadBenchmark.class.getName() + ".burst", pools, 1, quick, baseline)
                        .stream().map(r -> r.withBorrowers(threads)).toList());
                continue;
            }
            rows.addAll(measure(PoolOverheadBenchmark.class.getName() + ".acquireRelease", pools, threads, quick,
                    baseline));
            pools.add("no pool");
            rows.addAll(measure(PoolWorkBenchmark.class.getName() + ".request", pools, threads, quick, baseline));
        }
        return rows;
    }

    private static List<Row> measure(String benchmark, List<String> pools, int threads, boolean quick,
                                     @Nullable Path baseline) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(benchmark.replace(".", "\\.") + "$")
                .threads(threads)
                .param("pool", pools.toArray(String[]::new))
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        if (quick) {
            options.forks(0).warmupIterations(1).warmupTime(TimeValue.milliseconds(200))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(200));
            if (benchmark.startsWith(PoolOverheadBenchmark.class.getName())) {
                options.param("size", "10");
            }
        } else {
            // the forks log with the bench's logback.xml, as the launching JVM does (Bench.useBenchLogging)
            List<String> jvmArgs = new ArrayList<>(List.of("-Xms512m", "-Xmx512m",
                    "-D" + Bench.LOGBACK_CONFIGURATION + "=logback.xml"));
            if (baseline != null) {
                jvmArgs.add("-Dtidepool.baseline=" + baseline.toAbsolutePath());
            }
            // 3 s of warm-up: with 1 s the JIT had not finished on a busy 2-core machine (a second measured
            // iteration still ran 3x faster than the first)
            options.forks(1).jvmArgsAppend(jvmArgs.toArray(String[]::new))
                    .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(2).measurementTime(TimeValue.seconds(1));
        }
        List<Row> rows = new ArrayList<>();
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
            String work = params.getParam("work");
            String size = params.getParam("size");
            rows.add(new Row(params.getParam("pool"), work == null ? ACQUIRE_RELEASE : work,
                    size == null ? 10 : Integer.parseInt(size), threads, primary.getScore(), primary.getScoreError(),
                    bytes));
        }
        return rows;
    }
}
