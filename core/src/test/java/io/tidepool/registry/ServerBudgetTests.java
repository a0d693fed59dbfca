package io.tidepool.registry;

import io.tidepool.PoolState;
import io.tidepool.test.PoolFixture;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A connection budget given as a share of what the real server reports. */
@Timeout(60)
class ServerBudgetTests {

    private static int usable() {
        return ((Number) TestDatabase.get().query(ServerBudget.USABLE_QUERY + " AS usable").get(0).get("usable"))
                .intValue();
    }

    @Test
    void poolsWithinTheShareStart() {
        int usable = usable();
        double share = 0.1;
        int budget = (int) Math.floor(usable * share);
        PoolRegistry registry = PoolRegistry.builder()
                .required(PoolFixture.builder("budget-main").maxSize(Math.max(1, budget - 2)).build())
                .optional(PoolFixture.builder("budget-side").maxSize(1).build())
                .connectionBudgetShare(share)
                .build();
        try {
            registry.start().block(Duration.ofSeconds(30));
            assertThat(registry.state()).isEqualTo(RegistryState.RUNNING);
            assertThat(registry.serverConnectionBudget()).hasValue(budget);
            assertThat(registry.connectionBudgetShare()).hasValue(share);
        } finally {
            registry.stop().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void poolsBeyondTheShareFailTheStartAndAreClosed() {
        int usable = usable();
        double share = 0.05;
        int budget = (int) Math.floor(usable * share);
        var main = PoolFixture.builder("budget-over").maxSize(budget + 1).build();
        var side = PoolFixture.builder("budget-over-side").maxSize(2).build();
        PoolRegistry registry = PoolRegistry.builder().required(main).required(side)
                .connectionBudgetShare(share).build();
        assertThatThrownBy(() -> registry.start().block(Duration.ofSeconds(30)))
                .isInstanceOf(RegistryStartException.class)
                .hasMessage("registry could not start: connection budget 5 % of the server's " + usable
                        + " connections (" + budget + ") is exceeded: pools need " + (budget + 3) + " ("
                        + main.name() + "=" + (budget + 1) + ", " + side.name() + "=2); every pool was closed");
        assertThat(registry.state()).isEqualTo(RegistryState.FAILED);
        assertThat(registry.pool(main.name()).state()).isEqualTo(PoolState.CLOSED);
        assertThat(TestDatabase.get().backends(main.name()).total()).isZero();
        assertThat(TestDatabase.get().backends(side.name()).total()).isZero();
    }

    @Test
    void theShareMustBeAFraction() {
        for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> PoolRegistry.builder().connectionBudgetShare(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("connectionBudgetShare must be more than 0 and at most 1, was " + bad);
        }
    }
}
