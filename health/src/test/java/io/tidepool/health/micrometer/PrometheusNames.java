package io.tidepool.health.micrometer;

import java.util.Set;
import java.util.TreeSet;

/** Reads the metric names out of a Prometheus text-format scrape. */
public final class PrometheusNames {

    private PrometheusNames() {
    }

    /** Every sample's metric name in {@code scrape}, e.g. {@code db_client_connection_wait_time_seconds_bucket}. */
    public static Set<String> of(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }
}
