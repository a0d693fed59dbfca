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

    private static int readInt(byte[] b, int i) {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    private static void writeInt(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    private static void run(byte[] input, Random random) {
        ScriptedConnection c = new ScriptedConnection();
        CompletableFuture<List<Result>> f = c.submit("SELECT n");
        c.written();
        int at = 0;
        while (at < input.length) {
            int to = Math.min(input.length, at + 1 + random.nextInt(16));
            c.feed(input, at, to);
            at = to;
        }
        // the stream ends: the server went away
        c.channel.close();
        assertThat(f).as("pending after end of stream").isDone();
        try {
            List<Result> results = f.get(1, TimeUnit.SECONDS);
            for (Result r : results) {
                try {
                    reactor.core.publisher.Flux.from(r.map((row, m) -> String.valueOf(row.get(0)))).collectList()
                            .block(java.time.Duration.ofSeconds(1));
                } catch (R2dbcException | IllegalArgumentException expected) {
                    // an error segment, or a mutated value the row cannot decode: both are clean
                }
            }
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(R2dbcException.class);
        } catch (Exception e) {
            fail("unexpected", e);
        }
        c.close();
        assertThat(c.fed).allSatisfy(b -> assertThat(b.refCnt()).as("inbound buffer released").isZero());
    }
}
