package io.tidepool.examples.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command on a real PostgreSQL, and after each one no connection of the tool is left on the server. */
@Timeout(120)
class NotesCliTests {

    private static EmbeddedPostgres server;
    private static String url;

    @BeforeAll
    static void start() throws IOException {
        server = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60)).start();
        url = "r2dbc:postgresql://postgres@127.0.0.1:" + server.getPort() + "/postgres";
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
    }

    private static String run(String... args) throws SQLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NotesCli.run(List.of(args), url, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as("exit code of %s; stderr: %s", List.of(args), err).isZero();
        assertThat(backends()).as("connections left after '%s'", args[0]).isZero();
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    private static int backends() throws SQLException {
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                     + NotesCli.POOL_NAME + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void everyCommandWorksAndLeavesNoConnectionBehind() throws SQLException {
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
    void aFailingCommandAlsoClosesItsPool() throws SQLException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NotesCli.run(List.of("add", "999999", "orphan"), url, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("failed: ").contains("note_tag");
        assertThat(backends()).isZero();
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
