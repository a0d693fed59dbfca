package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Feeds the decoder and engine truncated, mutated and random server bytes: every case must end with the command
 * answered or failed with an R2DBC exception (never pending once the stream ends), and every inbound buffer
 * released (checked directly, and by Netty's leak detector at paranoid in this module's surefire argLine).
 */
@Timeout(120)
class DecoderFuzzTests {

    private static final byte[] VALID = Backend.concat(
            Backend.parameterStatus("application_name", "fuzz"),
            Backend.rowDescription("n", 23),
            Backend.dataRow("1"),
            Backend.dataRow((String) null),
            Backend.message('N', b -> {
                b.writeByte('S');
                Backend.cstring(b, "NOTICE");
                b.writeByte(0);
            }),
            Backend.commandComplete("SELECT 2"),
            Backend.error("23505", "duplicate key"),
            Backend.readyForQuery('I'));

    /** A bound statement's columns: int4, text, int4[], numeric, timestamptz, uuid, jsonb, bytea. */
    private static final int[] OIDS = {23, 25, 1007, 1700, 1184, 2950, 3802, 17};

    private static byte[] rowDescription(short format) {
        return Backend.message('T', b -> {
            b.writeShort(OIDS.length);
            for (int i = 0; i < OIDS.length; i++) {
                Backend.cstring(b, "c" + i);
                b.writeInt(0);
                b.writeShort(0);
                b.writeInt(OIDS[i]);
                b.writeShort(-1);
                b.writeInt(-1);
                b.writeShort(format);
            }
        });
    }

    private static byte[] binaryRow() {
        return Backend.message('D', b -> {
            b.writeShort(OIDS.length);
            b.writeInt(4).writeInt(42);
            b.writeInt(3).writeBytes("abc".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            // int4[] {7, NULL}: 1 dimension, has nulls, element OID, size 2 from 1, then the elements
            b.writeInt(32).writeInt(1).writeInt(1).writeInt(23).writeInt(2).writeInt(1).writeInt(4).writeInt(7)
                    .writeInt(-1);
            // numeric 12.5: 2 digits, weight 0, positive, scale 1: 12 and 5000
            b.writeInt(12).writeShort(2).writeShort(0).writeShort(0).writeShort(1).writeShort(12).writeShort(5000);
            b.writeInt(8).writeLong(789_000_000_000L);
            b.writeInt(16).writeLong(1L).writeLong(2L);
            b.writeInt(3).writeByte(1).writeBytes("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            b.writeInt(-1);
        });
    }

    /** The answer to the statement's second execution, which asks for binary results: no ParseComplete, no Describe. */
    private static final byte[] VALID_BINARY = Backend.concat(
            Backend.message('2', b -> { }),
            binaryRow(),
            binaryRow(),
            Backend.commandComplete("SELECT 2"),
            Backend.readyForQuery('I'));

    @Test
    void extendedProtocolWithBinaryValuesTruncatedMutatedAndWithWrongLengths() {
        Random random = new Random(1007);
        for (int cut = 0; cut < VALID_BINARY.length; cut++) {
            runExtended(java.util.Arrays.copyOf(VALID_BINARY, cut), random, false);
        }
        for (int i = 0; i < 3000; i++) {
            byte[] input = VALID_BINARY.clone();
            for (int m = 1 + random.nextInt(4); m > 0; m--) {
                input[random.nextInt(input.length)] = (byte) random.nextInt(256);
            }
            runExtended(input, random, false);
        }
        for (int i = 0; i < 200; i++) {
            byte[] input = VALID_BINARY.clone();
            int at = 0;
            for (int k = random.nextInt(5); k > 0; k--) {
                at += 1 + readInt(input, at + 1);
            }
            // a length below its own 4 bytes, or beyond the decoder's bound, can only be a broken stream
            int[] impossible = {0, 3, -1, Integer.MIN_VALUE, PgDecoder.MAX_MESSAGE_LENGTH + 1};
            writeInt(input, at + 1, impossible[random.nextInt(impossible.length)]);
            runExtended(input, random, true);
        }
    }

    @Test
    void theUnbrokenBinaryAnswerDecodes() throws Exception {
        ScriptedConnection c = new ScriptedConnection();
        List<Result> results = feedSecondExecution(c, VALID_BINARY, new Random(1)).get(1, TimeUnit.SECONDS);
        List<Object[]> rows = reactor.core.publisher.Flux.fromIterable(results)
                .concatMap(r -> r.map((row, m) -> {
                    Object[] v = new Object[OIDS.length];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = row.get(i);
                    }
                    return v;
                })).collectList().block(java.time.Duration.ofSeconds(5));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).containsExactly(42, "abc", new Integer[] {7, null}, new java.math.BigDecimal("12.5"),
                java.time.OffsetDateTime.parse("2000-01-10T03:10:00Z"), new java.util.UUID(1, 2), "{}", null);
        assertThat(c.channel.isOpen()).isTrue();
        c.close();
    }

    private static void runExtended(byte[] input, Random random, boolean clientMustClose) {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> second = feedSecondExecution(c, input, random);
        if (clientMustClose) {
            assertThat(c.channel.isOpen()).as("a broken stream closes the connection").isFalse();
        }
        // the stream ends: the server went away
        c.channel.close();
        readAll(second);
        c.close();
        assertThat(c.fed).allSatisfy(b -> assertThat(b.refCnt()).as("inbound buffer released").isZero());
    }

    /** Prepares and describes the statement with a valid answer, then feeds {@code input} to its second execution. */
    private static CompletableFuture<List<Result>> feedSecondExecution(ScriptedConnection c, byte[] input,
                                                                        Random random) {
        BindValue one = new BindValue(PgType.INT4.oid, Frontend.BINARY, new byte[] {0, 0, 0, 1});
        // the first execution prepares, describes and reads text: a valid answer, so the columns are cached
        CompletableFuture<List<Result>> first = c.submitBound("SELECT $1", one);
        c.written();
        c.feed(Backend.concat(Backend.message('1', b -> { }), Backend.message('2', b -> { }),
                rowDescription((short) 0), Backend.commandComplete("SELECT 0"), Backend.readyForQuery('I')));
        assertThat(first).isCompleted();
        CompletableFuture<List<Result>> second = c.submitBound("SELECT $1", one);
        c.written();
        feedInPieces(c, input, random);
        return second;
    }

    @Test
    void truncatedAtEveryLength() {
        for (int cut = 0; cut < VALID.length; cut++) {
            byte[] input = java.util.Arrays.copyOf(VALID, cut);
            run(input, new Random(cut));
        }
    }

    @Test
    void mutatedBytes() {
        Random random = new Random(14);
        for (int i = 0; i < 3000; i++) {
            byte[] input = VALID.clone();
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                input[random.nextInt(input.length)] = (byte) random.nextInt(256);
            }
            run(input, random);
        }
    }

    @Test
    void wrongLengths() {
        Random random = new Random(7);
        int[] lengths = {0, 1, 3, 4, 5, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, PgDecoder.MAX_MESSAGE_LENGTH + 1};
        for (int i = 0; i < 200; i++) {
            byte[] input = VALID.clone();
            // message starts: find one at random by walking the stream
            int at = 0;
            int target = random.nextInt(8);
            for (int k = 0; k < target && at < input.length; k++) {
                at += 1 + readInt(input, at + 1);
            }
            int length = lengths[random.nextInt(lengths.length)];
            writeInt(input, at + 1, length);
            run(input, random);
        }
    }

    @Test
    void randomBytesAndUnknownTypes() {
        Random random = new Random(99);
        for (int i = 0; i < 2000; i++) {
            byte[] input = new byte[random.nextInt(64)];
            random.nextBytes(input);
            run(input, random);
        }
    }

    /** Every result of {@code f}, every column of every row: each ends in a value or a clean, typed error. */
    private static void readAll(CompletableFuture<List<Result>> f) {
        assertThat(f).as("pending after end of stream").isDone();
        try {
            List<Result> results = f.get(1, TimeUnit.SECONDS);
            for (Result r : results) {
                try {
                    reactor.core.publisher.Flux.from(r.map((row, m) -> {
                        StringBuilder all = new StringBuilder();
                        for (int i = 0; i < m.getColumnMetadatas().size(); i++) {
                            all.append(row.get(i)).append(row.get(i, String.class));
                        }
                        return all.toString();
                    })).collectList().block(java.time.Duration.ofSeconds(1));
                } catch (R2dbcException | IllegalArgumentException expected) {
                    // an error segment, or a mutated value the row cannot decode: both are clean
                }
            }
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(R2dbcException.class);
        } catch (Exception e) {
            fail("unexpected", e);
        }
    }

    private static int readInt(byte[] b, int i) {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    private static void writeInt(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    /** {@code input} in pieces of 1 to 16 bytes, as a socket may deliver it. */
    private static void feedInPieces(ScriptedConnection c, byte[] input, Random random) {
        int at = 0;
        while (at < input.length) {
            int to = Math.min(input.length, at + 1 + random.nextInt(16));
            c.feed(input, at, to);
            at = to;
        }
    }

    private static void run(byte[] input, Random random) {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> f = c.submit("SELECT n");
        c.written();
        feedInPieces(c, input, random);
        // the stream ends: the server went away
        c.channel.close();
        readAll(f);
        c.close();
        assertThat(c.fed).allSatisfy(b -> assertThat(b.refCnt()).as("inbound buffer released").isZero());
    }
}
