package io.tidepool.pg.internal;

import io.r2dbc.spi.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The exact frontend messages of each write, read back from a scripted connection. */
@Timeout(10)
class WireLayoutTests {

    /** Type letters of the messages in {@code bytes}, with the first string of P, Q and B messages. */
    private static List<String> messages(byte[] bytes) {
        List<String> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            char type = (char) b.get();
            int length = b.getInt();
            byte[] body = new byte[length - 4];
            b.get(body);
            String first = "";
            if (type == 'P' || type == 'Q' || type == 'B') {
                int nul = 0;
                while (body[nul] != 0) {
                    nul++;
                }
                if (type == 'B') {
                    // portal, then statement name
                    int start = nul + 1;
                    int end = start;
                    while (body[end] != 0) {
                        end++;
                    }
                    first = new String(body, start, end - start, StandardCharsets.UTF_8);
                } else if (type == 'P') {
                    int start = nul + 1;
                    int end = start;
                    while (body[end] != 0) {
                        end++;
                    }
                    first = new String(body, 0, nul, StandardCharsets.UTF_8) + ":"
                            + new String(body, start, end - start, StandardCharsets.UTF_8);
                } else {
                    first = new String(body, 0, nul, StandardCharsets.UTF_8);
                }
            }
            out.add(first.isEmpty() ? String.valueOf(type) : type + "(" + first + ")");
        }
        return out;
    }

    private static void begin(ScriptedConnection c, String sql) {
        Mono.<Void>create(s -> c.engine.submit(new ControlCommand(ControlCommand.Kind.BEGIN, sql, s))).subscribe();
    }

    private static void exchange(ScriptedConnection c, String sql, List<BindValue[]> bindings) {
        EventStream<Result> results = new EventStream<>(null);
        c.engine.submit(new Exchange(sql, bindings, results));
        Flux.from(results).subscribe();
    }

    @Test
    void aBoundStatementCarriesBeginAsParseBindExecuteWithOneSync() {
        ScriptedConnection c = new ScriptedConnection();
        begin(c, "BEGIN ISOLATION LEVEL SERIALIZABLE");
        assertThat(c.written()).as("beginTransaction writes nothing").isEmpty();
        exchange(c, "UPDATE t SET v = $1", List.<BindValue[]>of(new BindValue[] {BindEncoder.encode(1)}));
        assertThat(messages(c.written())).containsExactly(
                "P(:BEGIN ISOLATION LEVEL SERIALIZABLE)", "B", "E",
                "P(S_1:UPDATE t SET v = $1)", "B(S_1)", "D", "E", "S");
        c.close();
    }

    @Test
    void aSimpleStatementCarriesBeginInItsQuery() {
        ScriptedConnection c = new ScriptedConnection();
        begin(c, "BEGIN");
        exchange(c, "UPDATE t SET v = 1", null);
        assertThat(messages(c.written())).containsExactly("Q(BEGIN;UPDATE t SET v = 1)");
        c.close();
    }

    @Test
    void aDescribedCachedStatementSendsBindExecuteSyncOnly() {
        ScriptedConnection c = new ScriptedConnection();
        exchange(c, "SELECT $1::int", List.<BindValue[]>of(new BindValue[] {BindEncoder.encode(1)}));
        assertThat(messages(c.written())).containsExactly("P(S_1:SELECT $1::int)", "B(S_1)", "D", "E", "S");
        c.feed(Backend.concat(Backend.message('1', b -> { }), Backend.message('2', b -> { }),
                Backend.rowDescription("int4", 23), Backend.dataRow("1"), Backend.commandComplete("SELECT 1"),
                Backend.readyForQuery('I')));
        exchange(c, "SELECT $1::int", List.<BindValue[]>of(new BindValue[] {BindEncoder.encode(2)}));
        assertThat(messages(c.written())).containsExactly("B(S_1)", "E", "S");
        c.close();
    }

    @Test
    void bindingsAreOneWriteWithASyncEach() {
        ScriptedConnection c = new ScriptedConnection();
        exchange(c, "INSERT INTO t VALUES ($1)", List.of(new BindValue[] {BindEncoder.encode(1)},
                new BindValue[] {BindEncoder.encode(2)}));
        assertThat(messages(c.written())).containsExactly("P(S_1:INSERT INTO t VALUES ($1))", "B(S_1)", "D", "E",
                "S", "B(S_1)", "D", "E", "S");
        assertThat(c.engine.stats.flushes).isEqualTo(1);
        c.close();
    }
}
