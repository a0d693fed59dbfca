package io.tidepool.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
        Bench.Results results = Bench.run(Bench.Options.parse("--quick", "--only", "e2e,stress", "--out", "none"),
                report);

        boolean pgbench = Pgbench.find() != null;
        List<String> expected = pgbench
                ? List.of("tidepool", "r2dbc-pool", "r2dbc-pool+validationQuery", "bare driver", "bare driver spread",
                        "pgbench")
                : List.of("tidepool", "r2dbc-pool", "r2dbc-pool+validationQuery", "bare driver", "bare driver spread");
        assertThat(results.endToEnd()).containsOnlyKeys(Workload.values());
        results.endToEnd().forEach((workload, summaries) -> {
            assertThat(summaries).extracting(Summary::contender).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(summaries).allSatisfy(s -> {
                assertThat(s.medianThroughput()).as(s.contender() + " " + workload).isPositive();
                assertThat(s.meanMillis()).as(s.contender() + " " + workload).isPositive();
                if (!s.contender().equals("pgbench")) {
                    assertThat(s.latencyMillis(99)).as(s.contender() + " " + workload).isPositive();
                }
                assertThat(s.errors()).as(s.contender() + " " + workload + ": " + s.firstError()).isZero();
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
    }
}
