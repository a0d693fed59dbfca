package io.tidepool.examples.transfer;

import io.tidepool.examples.transfer.TransferExample.Outcome;
import io.tidepool.examples.transfer.TransferExample.Report;
import io.tidepool.examples.transfer.TransferExample.Transfer;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transfers on a real PostgreSQL: conflicts really happen and are retried on fresh transactions, no transfer is
 * applied twice or lost, the money is conserved, and nothing is left borrowed in the pool or open on the server.
 */
@Timeout(120)
class TransferExampleTests {

    private static final int ACCOUNTS = 4;
    private static final int TRANSFERS = 120;

    @Test
    void concurrentTransfersConflictAreRetriedAndConserveTheMoney() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        Report report = TransferExample.run(TestDatabase.get().r2dbcUrl(""), ACCOUNTS, TRANSFERS, 8,
                new PrintStream(out, true, StandardCharsets.UTF_8));

        // conflicts happened, and every one that the policy allowed was retried, whole, as a new attempt
        assertThat(report.conflicts()).as("conflicts lost").isPositive();
        assertThat(report.retries()).as("retries").isPositive()
                .isEqualTo(report.conflicts() - report.count(Outcome.GAVE_UP));
        assertThat(report.attempts()).as("each attempt committed, was refused, or lost a conflict")
                .isEqualTo(report.count(Outcome.COMMITTED) + report.count(Outcome.REFUSED) + report.conflicts());
        assertThat(report.after().acquires() - report.before().acquires())
                .as("each attempt acquired a connection anew").isEqualTo(report.attempts());

        // each committed transfer applied exactly once, nothing else applied: no lost update, no double apply
        assertThat(balances()).isEqualTo(expectedBalances(report));
        assertThat(report.totalAfter()).isEqualTo(report.totalBefore()).isEqualTo(ACCOUNTS * TransferExample.OPENING_BALANCE);

        // the pool is back where it was: nothing borrowed or waiting, no connection discarded or timed out
        assertThat(report.after().acquired()).isZero();
        assertThat(report.after().pending()).isZero();
        assertThat(report.after().discards()).isEqualTo(report.before().discards());
        assertThat(report.after().timeouts()).isZero();
        assertThat(report.after().allocated()).isLessThanOrEqualTo(report.after().maxSize());

        // the scoped pool closed: no connection of it is left on the server
        ServerChecks.awaitBackends(TransferExample.POOL_NAME, 0);

        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains(TRANSFERS + " transfers between " + ACCOUNTS + " accounts")
                .contains("conflicts lost (40001/40P01): " + report.conflicts() + "; retried on a fresh transaction: "
                        + report.retries())
                .contains("total balance: 4000 before, 4000 after");
    }

    @Test
    void thePlanIsTheSameForTheSameSeed() {
        assertThat(TransferExample.plan(ACCOUNTS, 50, 7)).isEqualTo(TransferExample.plan(ACCOUNTS, 50, 7))
                .allSatisfy(t -> assertThat(t.from()).isNotEqualTo(t.to()).isBetween(1, ACCOUNTS));
    }

    private static Map<Integer, Long> expectedBalances(Report report) {
        Map<Integer, Long> balances = new HashMap<>();
        for (int account = 1; account <= ACCOUNTS; account++) {
            balances.put(account, TransferExample.OPENING_BALANCE);
        }
        for (int i = 0; i < report.transfers().size(); i++) {
            if (report.outcomes().get(i) == Outcome.COMMITTED) {
                Transfer t = report.transfers().get(i);
                balances.merge(t.from(), -t.amount(), Long::sum);
                balances.merge(t.to(), t.amount(), Long::sum);
            }
        }
        return balances;
    }

    private static Map<Integer, Long> balances() {
        Map<Integer, Long> balances = new HashMap<>();
        for (Map<String, Object> row : TestDatabase.get().query("SELECT id, balance FROM transfer_account")) {
            balances.put(((Number) row.get("id")).intValue(), ((Number) row.get("balance")).longValue());
        }
        return balances;
    }
}
