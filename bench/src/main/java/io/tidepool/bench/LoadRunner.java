package io.tidepool.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one contender for a fixed time in a closed loop: {@code clients} virtual clients, each sending its next
 * request as soon as its last one ends, so exactly that many requests are in flight (waiting for a connection or
 * running on one). Only requests that end inside the window count.
 */
final class LoadRunner {

    /** How long requests still in flight at the end of the window may take before the run gives up on them. */
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private LoadRunner() {
    }

    /**
     * @param cancelOneIn 0 for none, else one request in this many is cancelled after a random delay in
     *                    [0, {@code cancelWithin}), whatever it is doing by then (waiting or running)
     * @param serverPort the server's port, whose connections' segments {@link Wire} counts; -1 not to count them
     *                   (warm-up runs)
     */
    static RunResult run(Contender contender, Workload workload, int inFlight, Duration length, int cancelOneIn,
                         Duration cancelWithin, int serverPort) {
        int clients = contender.clients(inFlight);
        Recorder latency = new Recorder(3);
        Recorder wait = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        AtomicLong finished = new AtomicLong();
        AtomicLong cancels = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Client[] all = new Client[clients];
        contender.discardsSinceLast();
        Map<String, long[]> wireBefore = serverPort < 0 ? null : Wire.snapshot(serverPort);
        long writesBefore = Machine.writeSyscalls();
        long cpuBefore = Machine.processCpuNanos();
        Map<Long, Long> bytesBefore = Machine.allocatedBytesByThread();
        Map<Long, Long> switchesBefore = Machine.contextSwitchesByThread();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        Flux.range(0, clients)
                .flatMap(i -> {
                    Client client = new Client(i);
                    all[i] = client;
                    return Mono.defer(() -> request(contender, workload, client, end, cancelOneIn, cancelWithin,
                                    latency, wait, errors, cancels, finished, firstError))
                            .repeat(() -> System.nanoTime() < end)
                            .then();
                }, clients)
                .then()
                .block(length.plus(DRAIN));
        long cpu = Machine.processCpuNanos() - cpuBefore;
        long bytes = Machine.growth(bytesBefore, Machine.allocatedBytesByThread());
        long switches = Machine.growth(switchesBefore, Machine.contextSwitchesByThread());
        long writes = Machine.writeSyscalls() - writesBefore;
        long[] wire = serverPort < 0 ? null : Wire.delta(wireBefore, Wire.snapshot(serverPort));
        long done = finished.get();
        long fewest = Long.MAX_VALUE;
        long most = 0;
        long completed = 0;
        for (Client c : all) {
            fewest = Math.min(fewest, c.completed);
            most = Math.max(most, c.completed);
            completed += c.completed;
        }
        Histogram latencies = latency.getIntervalHistogram();
        return new RunResult(contender.name(), clients, completed, length.toNanos() / 1e9,
                latencies, wait.getIntervalHistogram(), latencies.getMean() / 1e6, fewest, most, errors.get(),
                cancels.get(), firstError.get(), contender.discardsSinceLast(), contender.borrowedNow(),
                cpuBefore < 0 || finished.get() == 0 ? Double.NaN : cpu / 1e3 / finished.get(),
                bytes < 0 || done == 0 ? Double.NaN : (double) bytes / done,
                switches < 0 || done == 0 ? Double.NaN : (double) switches / done,
                writesBefore < 0 || done == 0 ? Double.NaN : (double) writes / done,
                wire == null || done == 0 ? Double.NaN : (double) wire[0] / done,
                wire == null || done == 0 ? Double.NaN : (double) wire[1] / done,
                wire == null ? -1 : wire[2]);
    }

    private static Mono<Void> request(Contender contender, Workload workload, Client client, long end,
                                      int cancelOneIn, Duration cancelWithin, Recorder latency, Recorder wait,
                                      AtomicLong errors, AtomicLong cancels, AtomicLong finished,
                                      AtomicReference<String> firstError) {
        client.startedNanos = System.nanoTime();
        client.acquiredNanos = 0;
        client.cancelled = false;
        Mono<Void> request = contender.execute(workload, client);
        if (cancelOneIn > 0 && ThreadLocalRandom.current().nextInt(cancelOneIn) == 0) {
            long delay = ThreadLocalRandom.current().nextLong(cancelWithin.toNanos());
            request = request.doOnCancel(() -> client.cancelled = true)
                    .timeout(Duration.ofNanos(delay), Mono.empty());
        }
        return request
                .doOnSuccess(v -> {
                    long now = System.nanoTime();
                    if (client.cancelled) {
                        cancels.incrementAndGet();
                        return;
                    }
                    // the CPU is measured until the last request ends: every completed one counts for it
                    finished.incrementAndGet();
                    if (now < end) {
                        client.completed++;
                        latency.recordValue(now - client.startedNanos);
                        if (client.acquiredNanos != 0) {
                            wait.recordValue(client.acquiredNanos - client.startedNanos);
                        }
                    }
                })
                .onErrorResume(e -> {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, e.toString());
                    return Mono.empty();
                });
    }

    /** An empty histogram, for contenders that report none. */
    static Histogram emptyHistogram() {
        return new Histogram(3);
    }
}
