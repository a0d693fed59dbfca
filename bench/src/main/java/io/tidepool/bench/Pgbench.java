package io.tidepool.bench;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * PostgreSQL's own load generator, the server's limit on this machine: the same SQL as a custom script, with
 * {@code -M prepared}, the same number of connections, one transaction at a time per connection. Its latencies come
 * from its per-transaction log ({@code -l}).
 */
final class Pgbench {

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

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

    /** Runs {@code workload} for {@code seconds} (at least 1, pgbench counts whole seconds) on {@code connections}. */
    RunResult run(Target target, Workload workload, int connections, int seconds) {
        try {
            Path dir = Files.createTempDirectory("tidepool-pgbench");
            try {
                Path script = dir.resolve("script.sql");
                Files.writeString(script, workload.pgbenchScript());
                List<String> command = List.of(program, "-n", "-M", "prepared", "-c", String.valueOf(connections),
                        "-j", String.valueOf(Math.min(connections, Runtime.getRuntime().availableProcessors())),
                        "-T", String.valueOf(Math.max(1, seconds)), "-f", script.toString(),
                        "-l", "--log-prefix=" + dir.resolve("log"),
                        "-h", target.host(), "-p", String.valueOf(target.port()), "-U", target.user(),
                        target.database());
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
                if (!target.password().isEmpty()) {
                    builder.environment().put("PGPASSWORD", target.password());
                }
                Process p = builder.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("pgbench did not finish");
                }
                Matcher tps = TPS.matcher(out);
                if (p.exitValue() != 0 || !tps.find()) {
                    throw new IllegalStateException("pgbench failed (exit " + p.exitValue() + "):\n" + out);
                }
                return fromLogs(dir, connections, Double.parseDouble(tps.group(1)), Math.max(1, seconds), out);
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

    /** Log lines: {@code client_id transaction_no time_us script_no epoch epoch_us}. */
    private static RunResult fromLogs(Path dir, int connections, double tps, int seconds, String out)
            throws IOException {
        Histogram latency = new Histogram(3);
        Map<Integer, Long> perClient = new HashMap<>();
        long failed = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path log : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith("log"))::iterator) {
                for (String line : Files.readAllLines(log)) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length < 3) {
                        continue;
                    }
                    if (!fields[2].chars().allMatch(Character::isDigit)) {
                        failed++; // "failed" or "skipped"
                        continue;
                    }
                    latency.recordValue(Long.parseLong(fields[2]) * 1000);
                    perClient.merge(Integer.parseInt(fields[0]), 1L, Long::sum);
                }
            }
        }
        long fewest = perClient.size() < connections ? 0
                : perClient.values().stream().mapToLong(Long::longValue).min().orElse(0);
        long most = perClient.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long completed = Math.round(tps * seconds);
        return new RunResult("pgbench", connections, completed, seconds, latency, LoadRunner.emptyHistogram(),
                fewest, most, failed, 0, failed > 0 ? out : null, -1, -1);
    }
}
