package io.tidepool.examples.jooq;

import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The jOOQ example on the real server, through a Tidepool pool on the protocol client the run names
 * ({@code -Dtidepool.test.client=native} for Tidepool's own): queries, a committed and a rolled-back transaction,
 * and every connection back in the pool at the end.
 */
@Timeout(60)
class TaskBoardTests {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int MAX_SIZE = 3;

    private TidepoolPool pool;
    private TaskBoard board;

    @BeforeEach
    void start() {
        TestDatabase db = TestDatabase.get();
        db.execute("DROP TABLE IF EXISTS task");
        pool = PoolConfiguration.builder().url(db.r2dbcUrl("")).name(TestDatabase.uniqueApplicationName("jooq"))
                .maxSize(MAX_SIZE).buildPool();
        String expected = System.getProperty(TestDatabase.CLIENT_PROPERTY, "");
        assertThat(pool.configuration().client().urlValue()).as("protocol client")
                .isEqualTo(expected.isBlank() ? "r2dbc-postgresql" : expected);
        board = new TaskBoard(pool);
        board.createTable().block(WAIT);
    }

    @AfterEach
    void close() {
        pool.close().block(WAIT);
    }

    @Test
    void tasksAreAddedAndStreamedAndATransactionCommitsAsAWhole() {
        Integer write = board.add("write the example").block(WAIT);
        Integer test = board.add("test it").block(WAIT);
        assertThat(board.open().collectList().block(WAIT)).containsExactly("write the example", "test it");

        Integer ship = board.finishAndAdd(List.of(write, test), "ship it").block(WAIT);

        assertThat(ship).isGreaterThan(test);
        assertThat(board.open().collectList().block(WAIT)).containsExactly("ship it");
        assertThat(TestDatabase.get().query("SELECT count(*) AS n FROM task WHERE done").get(0).get("n"))
                .isEqualTo(2L);
        assertEveryConnectionBack();
    }

    @Test
    void aTransactionWhoseLastStatementFailsLeavesNothingChanged() {
        Integer write = board.add("write the example").block(WAIT);

        // a title longer than the column's 200 characters: the insert fails, so the update before it is undone
        assertThatThrownBy(() -> board.finishAndAdd(List.of(write), "x".repeat(201)).block(WAIT))
                .hasMessageContaining("value too long");

        assertThat(board.open().collectList().block(WAIT)).containsExactly("write the example");
        assertEveryConnectionBack();
    }

    private void assertEveryConnectionBack() {
        ServerChecks.assertNoLeak(pool.name(), () -> pool.stats().acquired() + pool.stats().pending(), MAX_SIZE);
    }
}
