package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.Result;
import io.tidepool.pg.PgServerError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(20)
class DecoderTests {

    private static final byte[] SELECT_ANSWER = Backend.concat(
            Backend.parameterStatus("TimeZone", "UTC"),
            Backend.rowDescription("n", 23),
            Backend.dataRow("1"),
            Backend.dataRow("2"),
            Backend.commandComplete("SELECT 2"),
            Backend.readyForQuery('I'));

    @Test
    void messagesSplitAtEveryByteDecodeTheSame() throws Exception {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> f = c.submit("SELECT n");
        assertThat(c.written()).startsWith('Q');
        for (int i = 0; i < SELECT_ANSWER.length; i++) {
            c.feed(SELECT_ANSWER, i, i + 1);
        }
        List<Result> results = f.get(5, TimeUnit.SECONDS);
        assertThat(results).hasSize(1);
        List<Integer> rows = Flux.fromIterable(results).flatMap(r -> r.map((row, m) -> row.get(0, Integer.class)))
                .collectList().block();
        assertThat(rows).containsExactly(1, 2);
        assertThat(c.engine.parameters).containsEntry("TimeZone", "UTC");
        assertThat(c.engine.status).isEqualTo('I');
        c.close();
        assertThat(c.fed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void errorResponseKeepsEveryField() throws Exception {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> f = c.submit("SELEC 1");
        c.written();
        c.feed(Backend.concat(Backend.error("42601", "syntax error at or near \"SELEC\""),
                Backend.readyForQuery('I')));
        Result result = f.get(5, TimeUnit.SECONDS).get(0);
        assertThatThrownBy(() -> Flux.from(result.getRowsUpdated()).blockLast())
                .isInstanceOf(R2dbcBadGrammarException.class)
                .hasMessage("syntax error at or near \"SELEC\"")
                .satisfies(e -> {
                    assertThat(((R2dbcBadGrammarException) e).getSqlState()).isEqualTo("42601");
                    assertThat(((R2dbcBadGrammarException) e).getSql()).isEqualTo("SELEC 1");
                    PgServerError server = (PgServerError) e;
                    assertThat(server.severity()).isEqualTo("ERROR");
                    assertThat(server.detail()).isEqualTo("the detail");
                    assertThat(server.hint()).isEqualTo("the hint");
                    assertThat(server.constraint()).isEqualTo("the_constraint");
                    assertThat(server.table()).isNull();
                });
        c.close();
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrderAndWrittenInOneFlush() throws Exception {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> first = c.exchange("SELECT 1");
        CompletableFuture<List<Result>> second = c.exchange("SELECT 2");
        c.channel.runPendingTasks();
        assertThat(c.engine.stats.flushes).isEqualTo(1);
        assertThat(c.engine.stats.queries).isEqualTo(2);
        c.written();
        c.feed(Backend.concat(Backend.commandComplete("SELECT 0"), Backend.readyForQuery('I')));
        assertThat(first).isDone();
        assertThat(second).isNotDone();
        c.feed(Backend.concat(Backend.commandComplete("SELECT 0"), Backend.readyForQuery('I')));
        assertThat(second.get(5, TimeUnit.SECONDS)).hasSize(1);
        c.close();
    }

    @Test
    void aTruncatedMessageAtEndOfStreamFailsTheCommandWithTheHost() {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> f = c.submit("SELECT n");
        c.written();
        c.feed(SELECT_ANSWER, 0, 20);
        assertThat(f).isNotDone();
        c.channel.close();
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(R2dbcNonTransientResourceException.class)
                .hasMessageContaining("scripted:5432");
        c.close();
        assertThat(c.fed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void anUnknownTypeByteIsAProtocolError() {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> f = c.submit("SELECT 1");
        c.written();
        c.feed(new byte[] {'?', 0, 0, 0, 4});
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(R2dbcNonTransientResourceException.class)
                .hasMessage("protocol error on the connection to scripted:5432: unknown backend message type 0x3f");
        assertThat(c.channel.isOpen()).isFalse();
        c.close();
        assertThat(c.fed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void aLengthShorterThanItsFieldsIsAProtocolError() {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> f = c.submit("SELECT 1");
        c.written();
        // a ReadyForQuery that claims no body
        c.feed(new byte[] {'Z', 0, 0, 0, 4});
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause()
                .hasMessageContaining("message 'Z' is truncated");
        c.close();
    }

    @Test
    void aMessageWithNoCommandInFlightIsAProtocolError() {
        ScriptedConnection c = new ScriptedConnection();
        c.feed(Backend.readyForQuery('I'));
        assertThat(c.channel.isOpen()).isFalse();
        assertThat(c.engine.isClosed()).isTrue();
        c.close();
    }
}
