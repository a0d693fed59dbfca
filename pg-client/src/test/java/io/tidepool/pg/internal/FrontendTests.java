package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@Timeout(10)
class FrontendTests {

    private final ByteBuf out = Unpooled.buffer();

    @AfterEach
    void release() {
        out.release();
    }

    /** Reads one typed message: checks its length field against what follows and returns its body. */
    private ByteBuf next(char type) {
        assertThat((char) out.readByte()).isEqualTo(type);
        int length = out.readInt();
        assertThat(out.readableBytes()).isGreaterThanOrEqualTo(length - 4);
        return out.readSlice(length - 4);
    }

    private static String cstring(ByteBuf b) {
        int nul = b.bytesBefore((byte) 0);
        String s = b.readCharSequence(nul, StandardCharsets.UTF_8).toString();
        b.skipBytes(1);
        return s;
    }

    @Test
    void startupMessageCarriesProtocol30AndParameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", "u");
        p.put("database", "d");
        Frontend.startup(out, p);
        int length = out.readInt();
        assertThat(length).isEqualTo(out.readableBytes() + 4);
        assertThat(out.readInt()).isEqualTo(196608);
        assertThat(cstring(out)).isEqualTo("user");
        assertThat(cstring(out)).isEqualTo("u");
        assertThat(cstring(out)).isEqualTo("database");
        assertThat(cstring(out)).isEqualTo("d");
        assertThat(out.readByte()).isZero();
        assertThat(out.isReadable()).isFalse();
    }

    @Test
    void sslAndCancelRequestsHaveTheirMagicCodes() {
        Frontend.sslRequest(out);
        assertThat(out.readInt()).isEqualTo(8);
        assertThat(out.readInt()).isEqualTo(80877103);
        Frontend.cancelRequest(out, 42, 7);
        assertThat(out.readInt()).isEqualTo(16);
        assertThat(out.readInt()).isEqualTo(80877102);
        assertThat(out.readInt()).isEqualTo(42);
        assertThat(out.readInt()).isEqualTo(7);
    }

    @Test
    void extendedProtocolMessagesRoundTrip() {
        Frontend.parse(out, "S_1", "SELECT $1", new int[] {23});
        Frontend.bind(out, "", "S_1", new short[] {1}, new byte[][] {{0, 0, 0, 5}, null}, new short[] {1});
        Frontend.describe(out, 'P', "");
        Frontend.execute(out, "", 0);
        Frontend.close(out, 'S', "S_9");
        Frontend.sync(out);

        ByteBuf parse = next('P');
        assertThat(cstring(parse)).isEqualTo("S_1");
        assertThat(cstring(parse)).isEqualTo("SELECT $1");
        assertThat(parse.readShort()).isEqualTo((short) 1);
        assertThat(parse.readInt()).isEqualTo(23);

        ByteBuf bind = next('B');
        assertThat(cstring(bind)).isEmpty();
        assertThat(cstring(bind)).isEqualTo("S_1");
        assertThat(bind.readShort()).isEqualTo((short) 1);
        assertThat(bind.readShort()).isEqualTo((short) 1);
        assertThat(bind.readShort()).isEqualTo((short) 2);
        assertThat(bind.readInt()).isEqualTo(4);
        assertThat(bind.readInt()).isEqualTo(5);
        assertThat(bind.readInt()).isEqualTo(-1);
        assertThat(bind.readShort()).isEqualTo((short) 1);
        assertThat(bind.readShort()).isEqualTo((short) 1);

        ByteBuf describe = next('D');
        assertThat((char) describe.readByte()).isEqualTo('P');
        assertThat(cstring(describe)).isEmpty();
        ByteBuf execute = next('E');
        assertThat(cstring(execute)).isEmpty();
        assertThat(execute.readInt()).isZero();
        ByteBuf close = next('C');
        assertThat((char) close.readByte()).isEqualTo('S');
        assertThat(cstring(close)).isEqualTo("S_9");
        assertThat(next('S').isReadable()).isFalse();
        assertThat(out.isReadable()).isFalse();
    }

    @Test
    void queryPasswordSaslAndTerminate() {
        Frontend.query(out, "SELECT 'é'");
        Frontend.password(out, "md5abc".getBytes(StandardCharsets.US_ASCII));
        Frontend.saslInitialResponse(out, "SCRAM-SHA-256", new byte[] {1, 2, 3});
        Frontend.saslResponse(out, new byte[] {9});
        Frontend.terminate(out);
        assertThat(cstring(next('Q'))).isEqualTo("SELECT 'é'");
        assertThat(cstring(next('p'))).isEqualTo("md5abc");
        ByteBuf sasl = next('p');
        assertThat(cstring(sasl)).isEqualTo("SCRAM-SHA-256");
        assertThat(sasl.readInt()).isEqualTo(3);
        assertThat(sasl.readableBytes()).isEqualTo(3);
        assertThat(next('p').readByte()).isEqualTo((byte) 9);
        assertThat(next('X').isReadable()).isFalse();
    }

    @Test
    void aBeginRidesInFrontOfAQueryAndIsCountedOutOfAnErrorPosition() {
        Frontend.query(out, "BEGIN ISOLATION LEVEL SERIALIZABLE", "SELECT x");
        Frontend.query(out, null, "SELECT x");
        String sent = cstring(next('Q'));
        assertThat(sent).isEqualTo("BEGIN ISOLATION LEVEL SERIALIZABLE;SELECT x");
        assertThat(cstring(next('Q'))).isEqualTo("SELECT x");
        // the server's position of x (1-based) in the text sent, and in the statement's own text
        ServerErrorFields error = new ServerErrorFields(Map.of('P', Integer.toString(sent.indexOf('x') + 1)));
        assertThat(Frontend.withoutBegin(error, "BEGIN ISOLATION LEVEL SERIALIZABLE").position()).isEqualTo("8");
        assertThat(Frontend.withoutBegin(error, null)).isSameAs(error);
    }

    @Test
    void aNulInsideAStringIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> Frontend.query(out, "SELECT 1\0; DROP TABLE x"))
                .withMessage("a string sent to the server must not contain the NUL character");
    }

    @Test
    void md5AnswerMatchesTheServersFormula() {
        // md5(md5("secret" + "alice") + salt), as computed by PostgreSQL's pg_md5_encrypt
        byte[] answer = Md5Password.answer("alice", "secret", new byte[] {1, 2, 3, 4});
        assertThat(new String(answer, StandardCharsets.US_ASCII)).startsWith("md5").hasSize(35);
    }

    @Test
    void sqlParametersAreCountedOutsideLiteralsAndComments() {
        assertThat(SqlParameters.shape("SELECT 1").count()).isZero();
        assertThat(SqlParameters.shape("SELECT $1, $2").count()).isEqualTo(2);
        assertThat(SqlParameters.shape("SELECT '$3', \"$4\", $1 -- $5\n /* $6 */").count()).isEqualTo(1);
        assertThat(SqlParameters.shape("SELECT $$ $7 $$, $tag$ $8 $tag$, $2").count()).isEqualTo(2);
        assertThat(SqlParameters.shape("SELECT $10").count()).isEqualTo(10);
    }

    @Test
    void aDollarInsideAnIdentifierIsNoPlaceholder() {
        assertThat(SqlParameters.shape("SELECT a$1 FROM t").count()).isZero();
        assertThat(SqlParameters.shape("SELECT a$1, b_2$3$4, $2 FROM t").count()).isEqualTo(2);
        assertThat(SqlParameters.shape("SELECT é$5, x$$6").count()).isZero();
        assertThat(SqlParameters.shape("SELECT 1+$1, ($2), x=$3").count()).isEqualTo(3);
        assertThat(SqlParameters.shape("SELECT \"a\"$1").count()).as("after a quoted identifier").isEqualTo(1);
    }

    @Test
    void aBackslashEscapesTheQuoteInAnEscapeString() {
        assertThat(SqlParameters.shape("SELECT E'it\\'s $1 here'").count()).isZero();
        assertThat(SqlParameters.shape("SELECT e'\\\\', $1").count()).as("an escaped backslash").isEqualTo(1);
        assertThat(SqlParameters.shape("SELECT E'a''$3\\'$4', $2").count()).isEqualTo(2);
        assertThat(SqlParameters.shape("SELECT E'\\';' ").single()).as("a semicolon inside").isTrue();
        assertThat(SqlParameters.shape("SELECT 'a\\', $1").count()).as("a standard string").isEqualTo(1);
        assertThat(SqlParameters.shape("SELECT nE'\\', $1").count()).as("E inside a word").isEqualTo(1);
        assertThat(SqlParameters.shape("SELECT E'\\").count()).as("unterminated").isZero();
    }

    @Test
    void oneStatementIsToldFromSeveralOutsideLiteralsAndComments() {
        assertThat(SqlParameters.shape("SELECT 1").single()).isTrue();
        assertThat(SqlParameters.shape("SELECT 1;").single()).isTrue();
        assertThat(SqlParameters.shape("SELECT 1 ;; -- done\n /* really */ ").single()).isTrue();
        assertThat(SqlParameters.shape("SELECT ';', \";\", $$;$$, $t$ ; $t$ -- ; SELECT 2").single()).isTrue();
        assertThat(SqlParameters.shape("SELECT 1; SELECT 2").single()).isFalse();
        assertThat(SqlParameters.shape("SELECT 1;/* c */SELECT 2").single()).isFalse();
        assertThat(SqlParameters.shape("CLOSE ALL; RESET ALL").single()).isFalse();
        assertThat(SqlParameters.shape("SELECT 1; 'x'").single()).as("a literal after the semicolon").isFalse();
        assertThat(SqlParameters.shape("").single()).as("no statement at all").isFalse();
        assertThat(SqlParameters.shape(" ; -- nothing").single()).isFalse();
        assertThat(SqlParameters.shape("SELECT $2; ").count()).isEqualTo(2);
    }

    @Test
    void rowCountsFromCommandTags() {
        assertThat(Exchange.rowCount("INSERT 0 5")).isEqualTo(5);
        assertThat(Exchange.rowCount("UPDATE 3")).isEqualTo(3);
        assertThat(Exchange.rowCount("SELECT 1")).isEqualTo(1);
        assertThat(Exchange.rowCount("CREATE TABLE")).isEqualTo(-1);
        assertThat(Exchange.rowCount("BEGIN")).isEqualTo(-1);
    }
}
