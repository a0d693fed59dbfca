package io.tidepool.pg.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Arrays without a server: malformed binary and text forms fail with a RuntimeException (which the row turns into an
 * IllegalArgumentException naming the column) and never allocate what the bytes merely claim, and every Java array
 * written as a literal reads back as itself. The server round trips are in {@code io.tidepool.pg.ArrayTests}.
 */
@Timeout(60)
class PgArraysTests {

    private static byte[] binary(int dimensions, int... rest) {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 * rest.length);
        b.putInt(dimensions).putInt(0).putInt(PgType.INT4.oid);
        for (int r : rest) {
            b.putInt(r);
        }
        return b.array();
    }

    @Test
    void malformedBinaryArraysAreRefusedBeforeAnythingIsAllocated() {
        assertThatThrownBy(() -> decode(binary(7))).hasMessage("an array of 7 dimensions");
        assertThatThrownBy(() -> decode(binary(-1))).hasMessage("an array of -1 dimensions");
        assertThatThrownBy(() -> decode(binary(1, 0, 1))).hasMessage("an array dimension of size 0");
        assertThatThrownBy(() -> decode(binary(1, Integer.MAX_VALUE, 1, 4, 7)))
                .hasMessage("an array of 2147483647 elements in 8 bytes");
        assertThatThrownBy(() -> decode(binary(2, 65536, 1, 65536, 1)))
                .hasMessage("an array of 65536 elements in 8 bytes");
        assertThatThrownBy(() -> decode(binary(6, Integer.MAX_VALUE, 1, Integer.MAX_VALUE, 1, Integer.MAX_VALUE, 1,
                Integer.MAX_VALUE, 1, Integer.MAX_VALUE, 1, Integer.MAX_VALUE, 1))).hasMessageStartingWith("an array of");
        assertThatThrownBy(() -> decode(binary(1, 1, 1, 100, 7))).hasMessage("an array element of 100 bytes, 4 left");
        assertThatThrownBy(() -> decode(binary(1, 1, 1, 2, 7))).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> decode(new byte[5])).isInstanceOf(RuntimeException.class);
        assertThat(decode(binary(1, 2, 1, 4, 7, -1))).isEqualTo(new Integer[] {7, null});
    }

    private static Object decode(byte[] bytes) {
        return ValueDecoder.decodeBinary(bytes, 0, bytes.length, PgType.INT4_ARRAY);
    }

    @Test
    void randomBinaryArraysOnlyEverFailWithARuntimeException() {
        long seed = System.nanoTime();
        System.out.println("PgArraysTests seed " + seed);
        Random random = new Random(seed);
        PgType[] types = {PgType.INT4_ARRAY, PgType.TEXT_ARRAY, PgType.NUMERIC_ARRAY, PgType.UUID_ARRAY,
            PgType.TIMESTAMPTZ_ARRAY, PgType.JSONB_ARRAY, PgType.BYTEA_ARRAY};
        for (int i = 0; i < 50_000; i++) {
            // a plausible header (few dimensions, small sizes) so that the element loop is reached too
            int dimensions = random.nextInt(4);
            ByteBuffer b = ByteBuffer.allocate(12 + 8 * dimensions + random.nextInt(64));
            b.putInt(dimensions).putInt(0).putInt(0);
            for (int d = 0; d < dimensions; d++) {
                b.putInt(random.nextInt(4) - 1).putInt(1);
            }
            while (b.hasRemaining()) {
                b.put((byte) (random.nextInt(4) == 0 ? random.nextInt(256) : random.nextInt(6) - 1));
            }
            byte[] bytes = b.array();
            PgType type = types[random.nextInt(types.length)];
            try {
                ValueDecoder.decodeBinary(bytes, 0, bytes.length, type);
            } catch (RuntimeException expected) {
                // what PgRow turns into "column ... could not be decoded"
            }
        }
    }

    @Test
    void malformedTextArraysFail() {
        for (String s : new String[] {"", "{", "{1", "{1,", "{\"a", "{\"a\\", "{1}x", "1,2", "{{1},2}", "{1,{2}}",
            "{{1},{2,3}}", "{{{{{{{1}}}}}}}", "{".repeat(100_000)}) {
            assertThatThrownBy(() -> ValueDecoder.decodeText(s, PgType.INT4_ARRAY)).as(s)
                    .isInstanceOf(RuntimeException.class);
        }
        assertThat(ValueDecoder.decodeText("{{{{{{1}}}}}}", PgType.INT4_ARRAY)).isEqualTo(
                new Integer[][][][][][] {{{{{{1}}}}}});
    }

    @Test
    void aByteArrayIsOneByteaValueNotAnArray() {
        // byte[] is one bytea value, not an array of smallints: only the levels above it are array levels
        assertThat(PgArrays.isArrayValue(byte[].class)).isFalse();
        assertThat(PgArrays.isArrayValue(new byte[0])).isFalse();
        assertThat(PgArrays.isArrayValue(new byte[][] {{1}})).isTrue();
        assertThat(PgArrays.isArrayValue(short[].class)).isTrue();
        assertThat(PgArrays.isArrayValue(ByteBuffer.class)).isFalse();
        assertThat(PgArrays.bindOid(byte[][].class, null)).isEqualTo(PgType.BYTEA_ARRAY.oid);
        assertThat(PgArrays.literal(new byte[][] {{1}, null})).isEqualTo("{\"\\\\x01\",NULL}");
    }

    @Test
    void everyStringArrayReadsBackFromItsLiteral() {
        long seed = System.nanoTime();
        System.out.println("PgArraysTests seed " + seed);
        Random random = new Random(seed);
        String alphabet = "ab {}\",\\\tNULnul'é";
        for (int i = 0; i < 20_000; i++) {
            String[][] array = new String[1 + random.nextInt(3)][1 + random.nextInt(3)];
            for (String[] row : array) {
                for (int j = 0; j < row.length; j++) {
                    if (random.nextInt(8) == 0) {
                        continue;
                    }
                    StringBuilder e = new StringBuilder();
                    for (int k = random.nextInt(6); k > 0; k--) {
                        e.append(alphabet.charAt(random.nextInt(alphabet.length())));
                    }
                    row[j] = random.nextInt(10) == 0 ? "NULL" : e.toString();
                }
            }
            String literal = PgArrays.literal(array);
            assertThat(ValueDecoder.decodeText(literal, PgType.TEXT_ARRAY)).as(literal).isEqualTo(array);
        }
    }
}
