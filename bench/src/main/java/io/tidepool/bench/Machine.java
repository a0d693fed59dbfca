package io.tidepool.bench;

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
