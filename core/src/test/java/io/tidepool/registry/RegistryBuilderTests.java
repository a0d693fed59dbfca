package io.tidepool.registry;

import io.tidepool.PoolConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.NoSuchElementException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry builder's rules and messages; nothing here connects to a server. */
@Timeout(30)
class RegistryBuilderTests {

    private static PoolConfiguration pool(String name, int maxSize) {
        return PoolConfiguration.builder().url("r2dbc:postgresql://app@localhost:5432/app").name(name)
                .maxSize(maxSize).build();
    }

    @Test
    void refusesPoolsThatExceedTheConnectionBudgetNamingEachPoolAndItsSize() {
        PoolRegistry.Builder builder = PoolRegistry.builder().connectionBudget(100)
                .required(pool("main", 50)).optional(pool("analytics", 50)).optional(pool("reports", 50));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connection budget 100 is exceeded: pools need 150 (main=50, analytics=50, reports=50)");
    }

    @Test
    void acceptsPoolsThatFitTheBudgetExactly() {
        PoolRegistry registry = PoolRegistry.builder().connectionBudget(100)
                .required(pool("main", 50)).optional(pool("analytics", 50)).build();
        try {
            assertThat(registry.connectionBudget()).contains(100);
            assertThat(registry.names()).containsExactly("main", "analytics");
            assertThat(registry.pools()).extracting(RegisteredPool::required).containsExactly(true, false);
            assertThat(registry.pools()).extracting(RegisteredPool::availability)
                    .containsOnly(PoolAvailability.NOT_STARTED);
            assertThat(registry.toString())
                    .isEqualTo("PoolRegistry{state=NEW, pools=[main, analytics], connectionBudget=100}");
        } finally {
            registry.stop().block(Duration.ofSeconds(10));
        }
    }

    @Test
    void anUnknownNameFailsListingTheKnownNames() {
        PoolRegistry registry = PoolRegistry.builder().required(pool("main", 5)).optional(pool("reports", 5)).build();
        try {
            assertThatThrownBy(() -> registry.pool("analytics"))
                    .isInstanceOf(NoSuchElementException.class)
                    .hasMessage("no pool named 'analytics' in the registry; known pools: main, reports");
            assertThatThrownBy(() -> registry.blocking("analytics")).isInstanceOf(NoSuchElementException.class);
            assertThat(registry.find("analytics")).isEmpty();
            assertThat(registry.find("main")).isPresent();
        } finally {
            registry.stop().block(Duration.ofSeconds(10));
        }
        assertThat(registry.state()).isEqualTo(RegistryState.STOPPED);
        assertThatThrownBy(() -> registry.start().block(Duration.ofSeconds(10)))
                .isInstanceOf(RegistryStartException.class)
                .hasMessage("registry was stopped before it started");
    }

    @Test
    void rejectsBadInputNamingOptionRuleAndValue() {
        assertThatThrownBy(() -> PoolRegistry.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pools must not be empty: register at least one with required(...) or optional(...), "
                        + "was none");
        assertThatThrownBy(() -> PoolRegistry.builder().required(pool("main", 5)).optional(pool("main", 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pool names must be unique in a registry, was 'main' twice");
        assertThatThrownBy(() -> PoolRegistry.builder().connectionBudget(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connectionBudget must be at least 1, was 0");
        assertThatThrownBy(() -> PoolRegistry.builder().startTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("startTimeout must be positive, was PT0S");
        assertThatThrownBy(() -> PoolRegistry.builder().stopTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stopTimeout must be positive, was PT-1S");
        assertThatThrownBy(() -> PoolRegistry.builder().retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retryBackoff max must not be less than first (PT2S), was PT1S");
        assertThatThrownBy(() -> PoolRegistry.builder().required((PoolConfiguration) null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("configuration must not be null");

        PoolRegistry registry = PoolRegistry.builder().required(pool("main", 5)).build();
        try {
            assertThatThrownBy(() -> registry.stop(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("deadline must be positive, was PT0S");
        } finally {
            registry.stop().block(Duration.ofSeconds(10));
        }
    }
}
