package io.tidepool.internal;

import io.tidepool.internal.ReturnRule.Borrowing;
import io.tidepool.internal.ReturnRule.Outcome;
import io.tidepool.internal.ReturnRule.Plan;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The return rule, row by row, without a server. */
class ReturnRuleTests {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // case                          | broken | retired | clean | quiet | autoCommit | iso  | timeouts | session | outcome         | rollback | reset | restoreIso | resetTimeouts
            "clean, nothing changed          | false  | false   | true  | true  | true       | false| false    | 0       | FREE            | false    | false | false      | false",
            "broken by its error             | true   | false   | false | false | false      | true | true     | 1       | DISCARD         | false    | false | false      | false",
            "retired by evictAll             | false  | true    | true  | true  | true       | false| false    | 0       | DISCARD         | false    | false | false      | false",
            "prepared a statement            | false  | false   | true  | true  | true       | false| false    | 2       | DISCARD         | false    | false | false      | false",
            "left a transaction open         | false  | false   | true  | true  | false      | false| false    | 0       | RESET           | true     | false | false      | false",
            "set the isolation level         | false  | false   | true  | true  | true       | true | false    | 0       | RESET           | false    | false | true       | false",
            "set a timeout                   | false  | false   | true  | true  | true       | false| true     | 0       | RESET           | false    | false | false      | true",
            "SET in SQL                      | false  | false   | true  | true  | true       | true | true     | 1       | RESET           | false    | true  | false      | false",
            "SET in SQL inside a transaction | false  | false   | true  | true  | false      | false| false    | 1       | RESET           | true     | true  | false      | false",
            "cancelled mid-result            | false  | false   | false | false | true       | false| false    | 0       | DRAIN_AND_RESET | true     | false | false      | false",
            "completed, a result unread      | false  | false   | true  | false | true       | false| false    | 0       | DRAIN_AND_RESET | true     | false | false      | false",
            "failed (not broken), settings   | false  | false   | false | true  | true       | true | false    | 0       | DRAIN_AND_RESET | true     | false | true       | false"})
    void decidesEachReturn(String description, boolean broken, boolean retired, boolean clean, boolean quiet,
                           boolean autoCommit, boolean isolation, boolean timeouts, int session, Outcome outcome,
                           boolean rollback, boolean reset, boolean restoreIsolation, boolean resetTimeouts) {
        Plan plan = ReturnRule.decide(new Borrowing(broken, retired, clean, quiet, autoCommit, isolation, timeouts,
                session));
        assertThat(plan).as(description)
                .isEqualTo(new Plan(outcome, rollback, reset, restoreIsolation, resetTimeouts));
    }
}
