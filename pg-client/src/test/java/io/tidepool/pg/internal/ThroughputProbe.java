package io.tidepool.pg.internal;

import io.r2dbc.spi.Result;
import io.tidepool.pg.PgConnectionFactory;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTestServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A rough, same-machine measurement of the client (not a benchmark of record: the bench module is): 10 connections,
 * 64 requests in flight, SELECT 1 and a short transaction, reporting requests/s, client CPU per request (this JVM's
 * process CPU time, so GC and JIT included) and the wire counters per request. Skipped unless
 * {@code -Dtidepool.probe=true}.
 */
@Timeout(300)
class ThroughputProbe {

    private static final int CONNECTIONS = 10;
    private static final int IN_FLIGHT = 64;

    @Test
    void measure() {
        Assumptions.assumeTrue(Boolean.getBoolean("tidepool.probe"), "run with -Dtidepool.probe=true");
        PgTestServer server = PgTestServer.get();
        server.execute("DROP TABLE IF EXISTS tp_probe; CREATE TABLE tp_probe (id int primary key, n bigint);"
                + " INSERT INTO tp_probe SELECT g, 0 FROM generate_series(1, 1000) g");
        PgConnectionFactory factory = server.factory();
        List<PgSession> connections = Flux.range(0, CONNECTIONS).flatMap(i -> factory.create()).collectList()
                .block(Duration.ofSeconds(30));
        try {
            pgbench(server, "SELECT 1;\n");
            pgbench(server, "\\set id random(1, 1000)\nBEGIN;\nUPDATE tp_probe SET n = n + 1 WHERE id = :id;\n"
                    + "SELECT n FROM tp_probe WHERE id = :id;\nCOMMIT;\n");
            run("SELECT 1, pipelined (64 in flight over 10 connections)", connections, c -> select1(c), IN_FLIGHT);
            run("SELECT 1, one in flight per connection", connections, c -> select1(c), CONNECTIONS);
            run("transaction BEGIN;UPDATE;SELECT;COMMIT, one per connection", connections, this::transaction,
                    CONNECTIONS);
        } finally {
            Flux.fromIterable(connections).flatMap(PgSession::close).blockLast(Duration.ofSeconds(30));
        }
    }

    /** pgbench -M prepared, 10 clients, on the same server in the same run, for the ratio; skipped if absent. */
    private static void pgbench(PgTestServer server, String script) {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("tp-probe", ".sql");
            java.nio.file.Files.writeString(file, script);
            long seconds = Long.getLong("tidepool.probe.seconds", 10);
            Process p = new ProcessBuilder("pgbench", "-n", "-M", "prepared", "-c", "10", "-j", "2", "-T",
                    String.valueOf(seconds), "-f", file.toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(server.port()), "-U", "postgres", "postgres").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor(seconds + 60, java.util.concurrent.TimeUnit.SECONDS);
            String tps = out.lines().filter(l -> l.startsWith("tps")).findFirst().orElse(out);
            System.out.println("pgbench -M prepared -c 10 " + script.replace("\n", " ").trim() + ": " + tps);
        } catch (java.io.IOException e) {
            System.out.println("pgbench not available: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Mono<Long> select1(PgSession c) {
        return Flux.from(c.createStatement("SELECT 1").execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).count();
    }

    private final AtomicLong ids = new AtomicLong();

    private Mono<Long> transaction(PgSession c) {
        int id = (int) (ids.incrementAndGet() % 1000) + 1;
        return Mono.from(c.beginTransaction())
                .then(Flux.from(c.createStatement("UPDATE tp_probe SET n = n + 1 WHERE id = $1").bind(0, id)
                        .execute()).flatMap(Result::getRowsUpdated).then())
                .then(Flux.from(c.createStatement("SELECT n FROM tp_probe WHERE id = $1").bind(0, id).execute())
                        .flatMap(r -> r.map((row, m) -> row.get(0, Long.class))).then())
                .then(Mono.from(c.commitTransaction()))
                .thenReturn(1L);
    }

    /** Sessions are leased one request at a time when {@code inFlight == CONNECTIONS} (like a pool). */
    private static void run(String name, List<PgSession> connections, Function<PgSession, Mono<Long>> request,
            int inFlight) {
        Duration warmup = Duration.ofSeconds(Long.getLong("tidepool.probe.warmup", 5));
        Duration measure = Duration.ofSeconds(Long.getLong("tidepool.probe.seconds", 10));
        drive(connections, request, inFlight, warmup);
        long[] before = counters(connections);
        long cpu0 = cpu();
        long t0 = System.nanoTime();
        long n = drive(connections, request, inFlight, measure);
        long wall = System.nanoTime() - t0;
        long cpu = cpu() - cpu0;
        long[] after = counters(connections);
        System.out.printf("%s: %.0f req/s, client CPU %.1f us/req, flushes %.2f/req, syncs %.2f/req,"
                        + " queries %.2f/req, round trips %.2f/req, bytes out %.0f/req (%d requests)%n",
                name, n * 1e9 / wall, cpu / 1e3 / n, (after[0] - before[0]) / (double) n,
                (after[1] - before[1]) / (double) n, (after[2] - before[2]) / (double) n,
                (after[3] - before[3]) / (double) n, (after[4] - before[4]) / (double) n, n);
    }

    private static long drive(List<PgSession> connections, Function<PgSession, Mono<Long>> request, int inFlight,
            Duration time) {
        long deadline = System.nanoTime() + time.toNanos();
        AtomicLong done = new AtomicLong();
        int perConnection = Math.max(1, inFlight / connections.size());
        int extra = inFlight - perConnection * connections.size();
        Flux.range(0, inFlight)
                .flatMap(lane -> {
                    PgSession c = connections.get(lane % connections.size());
                    return Mono.defer(() -> request.apply(c))
                            .doOnNext(v -> done.incrementAndGet())
                            .repeat(() -> System.nanoTime() < deadline)
                            .then();
                }, inFlight)
                .blockLast(time.plusSeconds(60));
        if (extra < 0) {
            throw new IllegalStateException();
        }
        return done.get();
    }

    private static long[] counters(List<PgSession> connections) {
        long[] c = new long[5];
        for (PgSession s : connections) {
            WireStats w = ((PgConnectionImpl) s).engine().stats;
            c[0] += w.flushes;
            c[1] += w.syncs;
            c[2] += w.queries;
            c[3] += w.readyForQuery;
            c[4] += w.bytesWritten;
        }
        return c;
    }

    private static long cpu() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                .getProcessCpuTime();
    }
}
