package io.tidepool.examples.cli;

import io.tidepool.testing.ServerChecks;
import io.tidepool.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command on a real PostgreSQL, and after each one no connection of the tool is left on the server. */
@Timeout(120)
class NotesCliTests {

    private static String url;

    @BeforeAll
    static void start() {
        url = TestDatabase.get().r2dbcUrl("");
    }

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NotesCli.run(List.of(args), url, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as("exit code of %s; stderr: %s", List.of(args), err).isZero();
        ServerChecks.awaitBackends(NotesCli.POOL_NAME, 0);
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    void everyCommandWorksAndLeavesNoConnectionBehind() {
        String stored = run("store", "Pool lifecycle", "close the pool on every path");
        assertThat(stored).startsWith("stored ");
        String id = stored.substring("stored ".length());
        run("store", "Retries", "never retry a wrong password");

        assertThat(run("add", id, "lifecycle")).isEqualTo("tagged " + id + " lifecycle");
        assertThat(run("list")).contains(id + "  Pool lifecycle").contains("Retries");
        assertThat(run("list", "1")).doesNotContain("Pool lifecycle");
        assertThat(run("show", id)).contains("Pool lifecycle").contains("close the pool on every path")
                .contains("tags: lifecycle");
        assertThat(run("search", "PASSWORD")).contains("Retries").doesNotContain("Pool lifecycle");
    }

    @Test
    void aFailingCommandAlsoClosesItsPool() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NotesCli.run(List.of("add", "999999", "orphan"), url, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("failed: ").contains("note_tag");
        ServerChecks.awaitBackends(NotesCli.POOL_NAME, 0);
    }

    @Test
    void badUsageIsExplained() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(NotesCli.run(List.of("frobnicate"), url, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).trim())
                .isEqualTo("unknown command 'frobnicate': use list, show, search, store or add");
    }
}
