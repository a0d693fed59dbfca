package io.tidepool.bench;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * PostgreSQL's own load generator, the server's limit on this machine: the same SQL as a custom script, with
 * {@code -M prepared}, the same number of connections, one transaction at a time per connection.
 *
 * <p>Only its mean latency is reported: its per-transaction log ({@code -l}) reads a clock cached across the clients
 * of one thread, so most entries say 0 µs, and writing the log would cost pgbench CPU that the server then gets less.
 */
final class Pgbench {

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: ([0-9]+)");

    /** Transactions per connection in a smoke run. */
    private static final int SMOKE_TRANSACTIONS = 100;

    private final String program;
    private final String version;

    private Pgbench(String program, String version) {
        this.program = program;
        this.version = version;
    }

    /** pgbench from {@code $PGBENCH}, {@code /usr/bin/pgbench} or the PATH; null when none answers. */
    static @Nullable Pgbench find() {
        List<String> candidates = new ArrayList<>();
        String fromEnv = System.getenv("PGBENCH");
        if (fromEnv != null && !fromEnv.isBlank()) {
            candidates.add(fromEnv);
        }
        candidates.add("/usr/bin/pgbench");
        candidates.add("pgbench");
        for (String candidate : candidates) {
            try {
                Process p = new ProcessBuilder(candidate, "--version").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return new Pgbench(candidate, out);
                }
            } catch (IOException e) {
                // not installed there: try the next place
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    String version() {
        return version;
    }

    /** Runs {@code workload} for {@code seconds} on {@code connections}; 0 seconds runs a short fixed count. */
    RunResult run(Target target, Workload workload, int connections, int seconds) {
        try {
            Path dir = Files.createTempDirectory("tidepool-pgbench");
            try {
                Path script = dir.resolve("script.sql");
                Files.writeString(script, workload.pgbenchScript());
                List<String> command = List.of(program, "-n", "-M", "prepared", "-c", String.valueOf(connections),
                        "-j", String.valueOf(Math.min(connections, Runtime.getRuntime().availableProcessors())),
                        // pgbench's -T counts whole seconds: a smoke (seconds == 0) runs a fixed count instead
                        seconds > 0 ? "-T" : "-t", String.valueOf(seconds > 0 ? seconds : SMOKE_TRANSACTIONS),
                        "-f", script.toString(),
                        "-h", target.host(), "-p", String.valueOf(target.port()), "-U", target.user(),
                        target.database());
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
                if (!target.password().isEmpty()) {
                    builder.environment().put("PGPASSWORD", target.password());
                }
                long cpuBefore = Machine.childrenCpuNanos();
                Process p = builder.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("pgbench did not finish");
                }
                long cpu = Machine.childrenCpuNanos() - cpuBefore;
                Matcher tps = TPS.matcher(out);
                if (p.exitValue() != 0 || !tps.find()) {
                    throw new IllegalStateException("pgbench failed (exit " + p.exitValue() + "):\n" + out);
                }
                Matcher latency = LATENCY.matcher(out);
                Matcher failed = FAILED.matcher(out);
                long failures = failed.find() ? Long.parseLong(failed.group(1)) : 0;
                double rate = Double.parseDouble(tps.group(1));
                double length = seconds > 0 ? seconds : connections * SMOKE_TRANSACTIONS / rate;
                return new RunResult("pgbench", connections, Math.round(rate * length), length, LoadRunner.emptyHistogram(), LoadRunner.emptyHistogram(),
                        latency.find() ? Double.parseDouble(latency.group(1)) : Double.NaN, -1, -1, failures, 0,
                        failures > 0 ? out : null, -1, -1,
                        cpuBefore < 0 || rate <= 0 ? Double.NaN : cpu / 1e3 / Math.round(rate * length), Double.NaN,
                        Double.NaN, Double.NaN, Double.NaN, Double.NaN, -1);
            } finally {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pgbench ran", e);
        }
    }
}
