package io.tidepool.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CI's only bench test: the load runner in quick mode against an embedded PostgreSQL (a few seconds) produces numbers
 * for every contender. It proves the runner works; it measures nothing. JMH never runs in {@code verify}.
 */
class BenchSmokeTests {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void quickRunProducesNumbersForEveryContender() throws Exception {
        StringBuilder report = new StringBuilder();
        Path chart = Files.createTempFile("tidepool-bench-chart", ".svg");
        Bench.Results results = Bench.run(Bench.Options.parse("--quick", "--only", "e2e,stress", "--out", "none",
                "--chart", chart.toString()), report);

        boolean pgbench = Pgbench.find() != null;
        boolean wire = Wire.snapshot(1) != null;
        List<String> expected = new ArrayList<>(List.of("tidepool", "tidepool url", "tidepool native",
                EndToEnd.MULTIPLEXED, "r2dbc-pool",
                "r2dbc-pool+validationQuery",
                "bare driver", "bare driver spread", "bare native", VertxContender.POOLED, VertxContender.PIPELINED,
                HikariContender.NAME));
        if (pgbench) {
            expected.add("pgbench");
        }
        assertThat(results.endToEnd()).containsOnlyKeys(java.util.Arrays.stream(Workload.values())
                .filter(Workload::endToEnd).toList());
        results.endToEnd().forEach((workload, summaries) -> {
            assertThat(summaries).extracting(Summary::contender).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(summaries).allSatisfy(s -> {
                assertThat(s.medianThroughput()).as(s.contender() + " " + workload).isPositive();
                assertThat(s.meanMillis()).as(s.contender() + " " + workload).isPositive();
                if (!s.contender().equals("pgbench")) {
                    assertThat(s.latencyMillis(99)).as(s.contender() + " " + workload).isPositive();
                }
                assertThat(s.errors()).as(s.contender() + " " + workload + ": " + s.firstError()).isZero();
                if (!s.contender().equals("pgbench") && wire) {
                    // every JVM request went over the wire at least once each way, whatever the transport
                    assertThat(s.medianClientSegments()).as(s.contender() + " " + workload).isPositive();
                    assertThat(s.medianServerSegments()).as(s.contender() + " " + workload).isPositive();
                }
            });
        });
        if (!pgbench) {
            assertThat(results.notes()).anyMatch(n -> n.startsWith("pgbench is not installed"));
        }
        assertThat(results.stress()).containsOnlyKeys("tidepool", "tidepool, 1/100 cancelled", "r2dbc-pool",
                "r2dbc-pool, 1/100 cancelled");
        assertThat(results.stress().values()).allSatisfy(s -> {
            assertThat(s.medianThroughput()).as(s.contender()).isPositive();
            assertThat(s.waitMillis(99)).as(s.contender()).isPositive();
            assertThat(s.latencyMillis(99)).as(s.contender()).isGreaterThanOrEqualTo(s.waitMillis(99));
        });
        assertThat(results.stress().get("tidepool").borrowedAfter()).isZero();
        assertThat(report).contains("## End to end: SELECT 1", "## Stress", "| tidepool |");
        assertThat(results.notes()).anyMatch(n -> n.startsWith(HikariContender.NAME + " ran its requests on "));
        if (pgbench) {
            assertThat(Files.readString(chart)).startsWith("<svg").contains(VertxContender.PIPELINED,
                    HikariContender.NAME, "pgbench = 1.00").endsWith("</svg>\n");
        }
        Files.deleteIfExists(chart);
    }

    @Test
    void workloadsAreNamedOrRefused() {
        assertThat(Bench.Options.parse("--workloads", "select_1,Transaction").workloads())
                .containsExactly("SELECT_1", "TRANSACTION");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bench.Options.parse("--workloads", "select1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--workloads names no end-to-end workload: 'select1'; use select_1, lookup, transaction");
        // the slow mix runs only in the lane part
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bench.Options.parse("--workloads", "slow_mix"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
