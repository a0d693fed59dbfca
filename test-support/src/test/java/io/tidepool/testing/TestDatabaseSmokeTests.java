package io.tidepool.testing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TestDatabaseSmokeTests {
    @Test
    void serverAnswers() {
        assertThat(TestDatabase.get().query("SELECT 1 AS one")).hasSize(1);
    }
}
