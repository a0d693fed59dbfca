package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.r2dbc.spi.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parse and Bind count parameters in 16 bits: more than 65535 is refused, never cut short on the wire. */
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
    void parseAndBindWriteNothingForMoreThan65535Parameters() {
        ByteBuf out = Unpooled.buffer();
        try {
            assertThatIllegalArgumentException().isThrownBy(() -> Frontend.parse(out, "", "SELECT 1", new int[65536]))
                    .withMessage("a statement takes at most 65535 parameters, this one has 65536");
            assertThatIllegalArgumentException().isThrownBy(() -> Frontend.bind(out, "", "", new short[65536],
                    new byte[65536][], new short[0]));
            assertThat(out.writerIndex()).isZero();
            Frontend.bind(out, "", "", new short[65535], new byte[65535][], new short[0]);
            assertThat(out.getUnsignedShort(1 + 4 + 1 + 1)).isEqualTo(65535);
        } finally {
            out.release();
        }
    }

    @Test
    void anExchangeWithTooManyValuesFailsWithoutWritingAByte() throws Exception {
        ScriptedConnection c = new ScriptedConnection();
        BindValue[] values = new BindValue[65536];
        Arrays.fill(values, BindEncoder.encode(1));
        CompletableFuture<List<Result>> f = Flux.defer(() -> {
            EventStream<Result> results = new EventStream<>(null);
            c.engine.submit(new Exchange("SELECT 1", List.<BindValue[]>of(values), results));
            return results;
        }).collectList().toFuture();
        assertThat(c.written()).isEmpty();
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class)
                .hasRootCauseMessage("a statement takes at most 65535 parameters, this one has 65536");
        assertThat(c.channel.isOpen()).isTrue();
        // the cache key of that statement (its text, NUL, each value's type OID): nothing cached for a Parse never sent
        assertThat(c.engine.cache.get("SELECT 1\0" + (values[0].oid + ",").repeat(values.length))).isNull();
        c.close();
    }
}
