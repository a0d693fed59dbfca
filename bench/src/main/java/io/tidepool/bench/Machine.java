package io.tidepool.bench;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the report says about the machine: the figures only mean something next to it. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        String cpu = "unknown CPU";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            cpu = lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // not Linux: the processor count still says the most
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), shared by client and server; "
                + "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    /** CPU time this JVM has used so far, all its threads (GC and JIT included), in nanoseconds; -1 if unknown. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /** Time the JIT compilers have spent so far, in milliseconds (summed over compiler threads); -1 if unknown. */
    static long compilationMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /**
     * Bytes allocated so far by each live thread of this JVM, by thread id; null if unknown. Unlike CPU time, the same
     * work allocates the same bytes however busy the machine is. Per thread, so that a run's figure is the growth of
     * the threads alive at its end ({@link #growth}): a sum over the live threads drops whatever a thread that ends
     * meanwhile had allocated in its whole life (a virtual-thread carrier or an elastic worker retiring after its
     * keep-alive made such sums go negative).
     */
    static java.util.@Nullable Map<Long, Long> allocatedBytesByThread() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        if (!(threads instanceof com.sun.management.ThreadMXBean sun) || !sun.isThreadAllocatedMemoryEnabled()) {
            return null;
        }
        long[] ids = sun.getAllThreadIds();
        long[] bytes = sun.getThreadAllocatedBytes(ids);
        java.util.Map<Long, Long> out = new java.util.HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                out.put(ids[i], bytes[i]);
            }
        }
        return out;
    }

    /**
     * Context switches so far of each thread of this JVM (voluntary: a thread blocked or parked, as an event loop does
     * when it has nothing to do; and involuntary), by task id, from {@code /proc/self/task/*\/status}; null if
     * unknown. Per request, it counts the thread wake-ups a request costs: hand-offs between threads show up here.
     * Per thread for the same reason as {@link #allocatedBytesByThread}.
     */
    static java.util.@Nullable Map<Long, Long> contextSwitchesByThread() {
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            java.util.Map<Long, Long> out = new java.util.HashMap<>();
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    long sum = 0;
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")
                                || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                    out.put(Long.parseLong(task.getFileName().toString()), sum);
                } catch (IOException | NumberFormatException e) {
                    // the thread ended meanwhile
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * What the threads alive at {@code after} added since {@code before} (a thread born in between counts from 0);
     * -1 if either is unknown. A thread that ended in between takes what it did since {@code before} with it: an
     * undercount, small next to the pools' own threads, which live for the whole run.
     */
    static long growth(java.util.@Nullable Map<Long, Long> before, java.util.@Nullable Map<Long, Long> after) {
        if (before == null || after == null) {
            return -1;
        }
        long sum = 0;
        for (java.util.Map.Entry<Long, Long> e : after.entrySet()) {
            sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        return sum;
    }

    /**
     * CPU time used by this JVM's child processes that have ended and been waited for (pgbench), in nanoseconds, from
     * {@code /proc/self/stat} (clock ticks, assumed 100 per second); -1 if unknown.
     */
    static long childrenCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // the fields after the command name, which is in parentheses and may contain spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 here
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Write-type system calls this JVM has made so far ({@code syscw} of {@code /proc/self/io}: write, writev,
     * pwrite; every thread, ended ones included); -1 if unknown. On a socket each is one flush of the client's
     * buffered messages (Netty's {@code write}/{@code writev}, the JDK's socket streams), so per request it counts the
     * client's flushes; the JVM's own log and console writes between runs are not in a run's delta.
     */
    static long writeSyscalls() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("syscw:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {@code /proc/loadavg}'s 1, 5 and 15 minute averages: other work on the machine skews every figure. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
