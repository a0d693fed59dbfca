package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Parse and Bind count parameters in 16 bits: more than 65535 is refused at createStatement, never cut short. */
@Timeout(20)
class ParameterLimitTests {

    private static final Exchanger NONE = (sql, bindings) -> Flux.empty();

    @Test
    void aStatementWithMoreThan65535ParametersIsRefusedWhenCreated() {
        assertThat(new PgStatement(NONE, "SELECT $65535").bind(65534, 1)).isNotNull();
        assertThatIllegalArgumentException().isThrownBy(() -> new PgStatement(NONE, "SELECT $1, $65536"))
                .withMessage("a statement takes at most 65535 parameters, this one has 65536");
        // a placeholder number beyond int saturates instead of wrapping round to a small one
        assertThatIllegalArgumentException().isThrownBy(() -> new PgStatement(NONE, "SELECT $99999999999"))
                .withMessage("a statement takes at most 65535 parameters, this one has 2147483647");
    }

    @Test
    void parseAndBindWriteTheFullCountOf65535Parameters() {
        ByteBuf out = Unpooled.buffer();
        try {
            // an unsigned Int16: the top of the range is not read back as negative or cut short
            Frontend.parse(out, "", "SELECT 1", new int[65535]);
            assertThat(out.getUnsignedShort(1 + 4 + 1 + "SELECT 1".length() + 1)).isEqualTo(65535);
            out.clear();
            Frontend.bind(out, "", "", new short[65535], new byte[65535][], new short[0]);
            assertThat(out.getUnsignedShort(1 + 4 + 1 + 1)).isEqualTo(65535);
        } finally {
            out.release();
        }
    }

    @Test
    void aRefusedStatementLeavesTheWireAndThePendingBeginUntouched() {
        ScriptedConnection c = new ScriptedConnection();
        Exchanger exchanger = c.exchanger();
        Mono.<Void>create(s -> c.engine.submit(new ControlCommand(ControlCommand.Kind.BEGIN, "BEGIN", s))).subscribe();
        assertThatIllegalArgumentException().isThrownBy(() -> new PgStatement(exchanger, "SELECT $65536"))
                .withMessage("a statement takes at most 65535 parameters, this one has 65536");
        assertThat(c.written()).isEmpty();
        assertThat(c.engine.tx()).isEqualTo(PgEngine.Tx.PENDING);
        // the next statement still carries the BEGIN
        // unanswered here: it fails when the connection closes at the end
        new PgStatement(exchanger, "SELECT $1").bind(0, 1).execute().subscribe(r -> { }, e -> { });
        assertThat(new String(c.written(), StandardCharsets.UTF_8)).contains("BEGIN");
        assertThat(c.engine.tx()).isEqualTo(PgEngine.Tx.OPEN);
        assertThat(c.channel.isOpen()).isTrue();
        c.close();
    }
}
