package io.tidepool.pg;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Parameters;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcType;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class QueryTests {

    static final Duration WAIT = Duration.ofSeconds(20);
    private final PgTestServer server = PgTestServer.get();
    private PgSession connection;

    @BeforeEach
    void connect() {
        connection = server.factory().create().block(WAIT);
    }

    @AfterEach
    void close() {
        if (connection != null) {
            Mono.from(connection.close()).block(WAIT);
        }
    }

    static <T> List<T> rows(Statement statement, BiFunction<Row, RowMetadata, T> mapper) {
        return Flux.from(statement.execute()).flatMap(r -> r.map(mapper)).collectList().block(WAIT);
    }

    private Object single(String sql, Object... binds) {
        Statement s = connection.createStatement(sql);
        for (int i = 0; i < binds.length; i++) {
            s.bind(i, binds[i]);
        }
        return rows(s, (row, m) -> row.get(0)).get(0);
    }

    @Test
    void simpleQueryWithoutBinds() {
        assertThat(rows(connection.createStatement("SELECT 1 AS one, 'a' AS letter"),
                (row, m) -> row.get("ONE", Integer.class) + row.get("letter", String.class))).containsExactly("1a");
    }

    @Test
    void boundQuery() {
        assertThat(rows(connection.createStatement("SELECT $1::int + $2").bind(0, 40).bind("$2", 2),
                (row, m) -> row.get(0, Integer.class))).containsExactly(42);
    }

    @Test
    void everyTypeRoundTripsAsItsDefaultJavaType() {
        UUID uuid = UUID.randomUUID();
        LocalDate date = LocalDate.of(2026, 12, 3);
        LocalTime time = LocalTime.of(10, 50, 1, 123456000);
        LocalDateTime timestamp = LocalDateTime.of(2026, 12, 3, 10, 50, 1, 654321000);
        OffsetDateTime timestamptz = OffsetDateTime.of(2026, 12, 3, 10, 50, 1, 0, ZoneOffset.ofHours(2));
        String sql = "SELECT $1::int2, $2::int4, $3::int8, $4::float4, $5::float8, $6::numeric, $7::bool, $8::text,"
                + " $9::varchar, $10::bytea, $11::uuid, $12::date, $13::time, $14::timestamp, $15::timestamptz,"
                + " $16::json, $17::jsonb, $18::int4[], $19::int8[], $20::text[], 'x'::bpchar, 'n'::name";
        // twice: the first run describes the statement (text results), the second binds binary result formats
        for (int run = 0; run < 2; run++) {
            Statement s = connection.createStatement(sql)
                    .bind(0, (short) 7).bind(1, 42).bind(2, 1L << 40).bind(3, 1.5f).bind(4, 2.25d)
                    .bind(5, new BigDecimal("-12345678901234567890.0012300")).bind(6, true).bind(7, "text é")
                    .bind(8, "varchar").bind(9, new byte[] {0, 1, (byte) 0xFF}).bind(10, uuid).bind(11, date)
                    .bind(12, time).bind(13, timestamp).bind(14, timestamptz).bind(15, "{\"a\": 1}")
                    .bind(16, "{\"b\": 2}").bind(17, new Integer[] {1, null, 3}).bind(18, new Long[] {5L})
                    .bind(19, new String[] {"a b", "c\"d", null});
            List<Object[]> rows = rows(s, (row, m) -> {
                Object[] v = new Object[22];
                for (int i = 0; i < v.length; i++) {
                    v[i] = row.get(i);
                }
                return v;
            });
            Object[] v = rows.get(0);
            assertThat(v[0]).isEqualTo((short) 7);
            assertThat(v[1]).isEqualTo(42);
            assertThat(v[2]).isEqualTo(1L << 40);
            assertThat(v[3]).isEqualTo(1.5f);
            assertThat(v[4]).isEqualTo(2.25d);
            assertThat(v[5]).isEqualTo(new BigDecimal("-12345678901234567890.0012300"));
            assertThat(v[6]).isEqualTo(true);
            assertThat(v[7]).isEqualTo("text é");
            assertThat(v[8]).isEqualTo("varchar");
            assertThat(v[9]).isEqualTo(ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xFF}));
            assertThat(v[10]).isEqualTo(uuid);
            assertThat(v[11]).isEqualTo(date);
            assertThat(v[12]).isEqualTo(time);
            assertThat(v[13]).isEqualTo(timestamp);
            assertThat(v[14]).as("UTC in text and binary").isEqualTo(timestamptz.withOffsetSameInstant(ZoneOffset.UTC));
            assertThat(v[15]).isEqualTo("{\"a\": 1}");
            assertThat(v[16]).isEqualTo("{\"b\": 2}");
            assertThat((Integer[]) v[17]).containsExactly(1, null, 3);
            assertThat((Long[]) v[18]).containsExactly(5L);
            assertThat((String[]) v[19]).containsExactly("a b", "c\"d", null);
            assertThat(v[20]).isEqualTo("x");
            assertThat(v[21]).isEqualTo("n");
        }
    }

    @Test
    void conversionsToRequestedTypes() {
        List<Object[]> rows = rows(connection.createStatement("SELECT 5::int4, 7::int8, now(), 'b'::bytea,"
                + " 3.5::numeric"), (row, m) -> new Object[] {row.get(0, Long.class), row.get(1, Integer.class),
                        row.get(2, Instant.class), row.get(3, byte[].class), row.get(4, Double.class),
                        row.get(0, String.class)});
        assertThat(rows.get(0)[0]).isEqualTo(5L);
        assertThat(rows.get(0)[1]).isEqualTo(7);
        assertThat(rows.get(0)[2]).isInstanceOf(Instant.class);
        assertThat((byte[]) rows.get(0)[3]).containsExactly('b');
        assertThat(rows.get(0)[4]).isEqualTo(3.5d);
        assertThat(rows.get(0)[5]).isEqualTo("5");
    }

    @Test
    void specialValues() {
        List<Object[]> rows = rows(connection.createStatement("SELECT 'NaN'::numeric, 'infinity'::timestamptz,"
                + " '-infinity'::date, 'Infinity'::float8, ''::text, '{}'::int4[]"), (row, m) -> new Object[] {
                        row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5)});
        assertThat(rows.get(0)).containsExactly(Double.NaN, OffsetDateTime.MAX, LocalDate.MIN,
                Double.POSITIVE_INFINITY, "", new Integer[0]);
    }

    @Test
    void aValueReadAsAStringReadsAsTheServerWritesItInTextAndInBinary() {
        execute("SET TimeZone = 'UTC'");
        String sql = "SELECT true, 0.0000001::numeric, '2026-12-03 10:50:01.5'::timestamp, '\\x01ff'::bytea,"
                + " '10:05'::time, 'infinity'::date, '0044-03-15 BC'::date, ARRAY[true, NULL], 42::int8,"
                + " '2026-12-03 10:50:01.123+02'::timestamptz, ARRAY['2026-12-03 10:50'::timestamp]";
        String[] expected = {"t", "0.0000001", "2026-12-03 10:50:01.5", "\\x01ff", "10:05:00", "infinity",
            "0044-03-15 BC", "{t,NULL}", "42", "2026-12-03 08:50:01.123+00", "{\"2026-12-03 10:50:00\"}"};
        // the first execution reads text (the statement is described then), the second binary
        for (int run = 0; run < 2; run++) {
            List<String[]> rows = rows(connection.createStatement(sql), (row, m) -> {
                String[] v = new String[expected.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = row.get(i, String.class);
                }
                return v;
            });
            assertThat(rows.get(0)).as("run %d", run).containsExactly(expected);
        }
    }

    @Test
    void floatingPointNumbersReadAsStringsAsTheServerWritesThem() {
        String[] values = {"1e20", "1.5e-5", "123456789012345", "1234567890123456", "0.0001", "0.00001", "-2.5",
            "0.1", "1e-300", "-0", "NaN", "-Infinity", "3.4028235e38", "123456.7"};
        StringBuilder sql = new StringBuilder("SELECT ");
        for (String v : values) {
            sql.append("'").append(v).append("'::float8, '").append(v.equals("1e-300") ? "1e-30" : v)
                    .append("'::float4, ");
        }
        sql.setLength(sql.length() - 2);
        // the first execution reads text (the server's own writing), the second binary (written here)
        List<List<String>> runs = new java.util.ArrayList<>();
        for (int run = 0; run < 2; run++) {
            runs.add(rows(connection.createStatement(sql.toString()), (row, m) -> {
                List<String> v = new java.util.ArrayList<>();
                for (int i = 0; i < 2 * values.length; i++) {
                    v.add(row.get(i, String.class));
                }
                return v;
            }).get(0));
        }
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
    }

    @Test
    void numericInfinitiesAreReadAsTheDoublesNaNIsReadAs() {
        // twice: the first execution reads text, the second binary
        for (int run = 0; run < 2; run++) {
            List<Object[]> rows = rows(connection.createStatement("SELECT 'Infinity'::numeric, '-Infinity'::numeric,"
                    + " 'NaN'::numeric, 1.5::numeric"), (row, m) -> new Object[] {row.get(0), row.get(1), row.get(2),
                        row.get(3)});
            assertThat(rows.get(0)).as("run %d", run).containsExactly(Double.POSITIVE_INFINITY,
                    Double.NEGATIVE_INFINITY, Double.NaN, new BigDecimal("1.5"));
        }
    }

    @Test
    void theMaxAndMinThatInfinityIsReadAsBindBackAsInfinity() {
        List<Object[]> rows = rows(connection.createStatement("SELECT $1::date::text, $2::timestamp::text,"
                + " $3::timestamptz::text, $4::date::text").bind(0, LocalDate.MAX).bind(1, LocalDateTime.MIN)
                .bind(2, OffsetDateTime.MAX).bind(3, LocalDate.of(2026, 12, 3)), (row, m) -> new Object[] {
                    row.get(0), row.get(1), row.get(2), row.get(3)});
        assertThat(rows.get(0)).containsExactly("infinity", "-infinity", "infinity", "2026-12-03");
    }

    @Test
    void aTimestamptzWhoseOffsetHasSecondsIsReadAsTextAndAsBinary() {
        // Paris before 1911 ran on its local mean time: the server writes the offset as +00:09:21
        Flux.from(connection.createStatement("SET TimeZone = 'Europe/Paris'").execute())
                .flatMap(r -> r.getRowsUpdated()).blockLast(WAIT);
        String sql = "SELECT '1900-01-01 12:00:00+00'::timestamptz, '1900-01-01 12:00:00+00'::timestamptz::text";
        // the first execution reads text (the statement is described then), the second binary
        for (int run = 0; run < 2; run++) {
            List<Object[]> rows = rows(connection.createStatement(sql), (row, m) -> new Object[] {row.get(0),
                    row.get(1)});
            assertThat(rows.get(0)[1]).isEqualTo("1900-01-01 12:09:21+00:09:21");
            assertThat(rows.get(0)[0]).as("run %d", run)
                    .isEqualTo(OffsetDateTime.of(1900, 1, 1, 12, 0, 0, 0, ZoneOffset.UTC));
        }
    }

    @Test
    void nullsBoundAndRead() {
        List<Object[]> rows = rows(connection.createStatement("SELECT $1::int4, $2::text, $3")
                .bindNull(0, Integer.class).bindNull(1, String.class).bind(2, Parameters.in(R2dbcType.BIGINT)),
                (row, m) -> new Object[] {row.get(0), row.get(1, String.class), row.get(2)});
        assertThat(rows.get(0)).containsExactly(null, null, null);
    }

    @Test
    void rowMetadataLooksUpNamesCaseInsensitively() {
        List<RowMetadata> metadata = rows(connection.createStatement("SELECT 1 AS \"Mixed\", 'x'::text AS t"),
                (row, m) -> m);
        RowMetadata m = metadata.get(0);
        assertThat(m.contains("mixed")).isTrue();
        assertThat(m.getColumnMetadata("MIXED").getJavaType()).isEqualTo(Integer.class);
        assertThat(m.getColumnMetadata("t").getType().getName()).isEqualTo("text");
        assertThat(m.getColumnMetadatas()).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void insertsWithAddedBindingsAndGeneratedValues(int cacheSize) {
        Mono.from(connection.close()).block(WAIT);
        connection = new PgConnectionFactory(server.config().statementCacheSize(cacheSize).build()).create()
                .block(WAIT);
        String table = "tp_q_insert_" + cacheSize;
        execute("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table + " (id serial primary key, v text)");
        List<Long> counts = Flux.from(connection.createStatement("INSERT INTO " + table + " (v) VALUES ($1)")
                        .bind(0, "a").add().bind(0, "b").add().bind(0, "c").execute())
                .flatMap(Result::getRowsUpdated).collectList().block(WAIT);
        assertThat(counts).containsExactly(1L, 1L, 1L);
        List<Integer> ids = rows(connection.createStatement("INSERT INTO " + table + " (v) VALUES ($1)")
                .bind(0, "d").returnGeneratedValues("id"), (row, m) -> row.get("id", Integer.class));
        assertThat(ids).containsExactly(4);
        // the clause goes after the statement's own end: a trailing ';' or '--' comment does not break it
        assertThat(rows(connection.createStatement("INSERT INTO " + table + " (v) VALUES ($1); \n")
                .bind(0, "e").returnGeneratedValues("id"), (row, m) -> row.get("id", Integer.class)))
                .containsExactly(5);
        assertThat(rows(connection.createStatement("INSERT INTO " + table + " (v) VALUES ($1) -- the sixth")
                .bind(0, "f").returnGeneratedValues("v"), (row, m) -> row.get("v", String.class)))
                .containsExactly("f");
        assertThatThrownBy(() -> connection.createStatement("INSERT INTO " + table + " (v) VALUES ('returning')"
                + " RETURNING id").returnGeneratedValues("id"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("RETURNING clause of its own");
        assertThat(rows(connection.createStatement("INSERT INTO " + table + " (v) VALUES ('returning')")
                .returnGeneratedValues(), (row, m) -> row.get("v", String.class))).containsExactly("returning");
        execute("DELETE FROM " + table + " WHERE id > 4");
        // again through the cache
        assertThat(rows(connection.createStatement("SELECT count(*) FROM " + table + " WHERE v <> $1")
                .bind(0, "z"), (row, m) -> row.get(0, Long.class))).containsExactly(4L);
        assertThat(rows(connection.createStatement("SELECT count(*) FROM " + table + " WHERE v <> $1")
                .bind(0, "a"), (row, m) -> row.get(0, Long.class))).containsExactly(3L);
    }

    private void execute(String sql) {
        Flux.from(connection.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).blockLast(WAIT);
    }

    @Test
    void batchRunsSeveralStatementsInOneQuery() {
        List<Long> counts = Flux.from(connection.createBatch()
                        .add("CREATE TEMP TABLE tp_batch (v int)")
                        .add("INSERT INTO tp_batch VALUES (1), (2)")
                        .add("UPDATE tp_batch SET v = v + 1")
                        .execute())
                .flatMap(r -> Mono.from(r.getRowsUpdated()).defaultIfEmpty(-1L)).collectList().block(WAIT);
        assertThat(counts).containsExactly(-1L, 2L, 2L);
    }

    @Test
    void aBatchStatementEndingInALineCommentDoesNotHideTheNext() {
        List<Integer> values = Flux.from(connection.createBatch()
                        .add("SELECT 1 -- the first")
                        .add("SELECT 2 /* the second */")
                        .add("SELECT 3")
                        .execute())
                .concatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).collectList().block(WAIT);
        assertThat(values).containsExactly(1, 2, 3);
    }

    @Test
    void uniqueViolationCarriesEveryServerField() {
        execute("DROP TABLE IF EXISTS tp_unique; CREATE TABLE tp_unique (id int CONSTRAINT tp_unique_pk PRIMARY KEY)");
        execute("INSERT INTO tp_unique VALUES (1)");
        StepVerifier.create(Flux.from(connection.createStatement("INSERT INTO tp_unique VALUES ($1)").bind(0, 1)
                        .execute()).flatMap(Result::getRowsUpdated))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(R2dbcDataIntegrityViolationException.class)
                            .hasMessage("duplicate key value violates unique constraint \"tp_unique_pk\"");
                    assertThat(((R2dbcDataIntegrityViolationException) e).getSqlState()).isEqualTo("23505");
                    PgServerError f = (PgServerError) e;
                    assertThat(f.severity()).isEqualTo("ERROR");
                    assertThat(f.detail()).isEqualTo("Key (id)=(1) already exists.");
                    assertThat(f.schema()).isEqualTo("public");
                    assertThat(f.table()).isEqualTo("tp_unique");
                    assertThat(f.constraint()).isEqualTo("tp_unique_pk");
                    assertThat(f.routine()).isNotNull();
                })
                .verify(WAIT);
        // the connection is still usable
        assertThat(single("SELECT 1")).isEqualTo(1);
    }

    @Test
    void syntaxErrorIsBadGrammarWithPosition() {
        StepVerifier.create(Flux.from(connection.createStatement("SELECT * FRM nowhere").execute())
                        .flatMap(Result::getRowsUpdated))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(R2dbcBadGrammarException.class);
                    assertThat(((PgServerError) e).position()).isEqualTo("10");
                    assertThat(((R2dbcBadGrammarException) e).getSql()).isEqualTo("SELECT * FRM nowhere");
                })
                .verify(WAIT);
    }

    @Test
    void noticesAreMessageSegmentsAndDoNotFailTheResult() {
        List<String> messages = Flux.from(connection.createStatement(
                        "DO $$ BEGIN RAISE NOTICE 'hello %', 1; END $$").execute())
                .flatMap(r -> r.flatMap(segment -> segment instanceof Result.Message
                        ? Mono.just(((Result.Message) segment).message()) : Mono.empty()))
                .collectList().block(WAIT);
        assertThat(messages).containsExactly("hello 1");
    }

    @Test
    void cachedPlanMustNotChangeResultTypeIsPreparedAgain() {
        execute("DROP TABLE IF EXISTS tp_replan; CREATE TABLE tp_replan (a int); INSERT INTO tp_replan VALUES (1)");
        String sql = "SELECT * FROM tp_replan WHERE a = $1";
        assertThat(rows(connection.createStatement(sql).bind(0, 1), (row, m) -> m.getColumnMetadatas().size()))
                .containsExactly(1);
        execute("ALTER TABLE tp_replan ADD COLUMN b text DEFAULT 'x'");
        assertThat(rows(connection.createStatement(sql).bind(0, 1), (row, m) -> row.get("b", String.class)))
                .containsExactly("x");
    }

    @Test
    void aDeallocatedStatementIsPreparedAgain() {
        String sql = "SELECT $1::int * 2";
        assertThat(rows(connection.createStatement(sql).bind(0, 2), (row, m) -> row.get(0))).containsExactly(4);
        execute("DEALLOCATE ALL");
        assertThat(rows(connection.createStatement(sql).bind(0, 3), (row, m) -> row.get(0))).containsExactly(6);
    }

    @Test
    void theStatementCacheIsBoundedAndClosesWhatItEvicts() {
        Mono.from(connection.close()).block(WAIT);
        connection = new PgConnectionFactory(server.config().statementCacheSize(2).build()).create().block(WAIT);
        for (int i = 0; i < 6; i++) {
            assertThat(single("SELECT $1::int + " + i, 1)).isEqualTo(1 + i);
        }
        // the Closes of evicted statements ride on the next extended write
        assertThat(single("SELECT count(*)::int FROM pg_prepared_statements WHERE $1", true)).isEqualTo(2);
    }

    @Test
    void emptyQuery() {
        List<? extends Result> results = Flux.from(connection.createStatement("").execute()).collectList()
                .block(WAIT);
        assertThat(results).hasSize(1);
    }

    @Test
    void copyIsRefusedWithTheFeatureAndTheOption() {
        StepVerifier.create(Flux.from(connection.createStatement("COPY (SELECT 1) TO STDOUT").execute())
                        .flatMap(Result::getRowsUpdated))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("COPY TO STDOUT is not supported")
                        .hasMessageContaining("client=r2dbc-postgresql"))
                .verify(WAIT);
        assertThat(single("SELECT 2")).isEqualTo(2);
    }

    @Test
    void listenIsRefusedWithTheFeatureAndTheOption() {
        StepVerifier.create(Flux.from(connection.createStatement("LISTEN tp_channel").execute())
                        .flatMap(Result::getRowsUpdated))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("LISTEN/NOTIFY is not supported")
                        .hasMessageContaining("client=r2dbc-postgresql"))
                .verify(WAIT);
        // a notification that reaches the connection anyway is dropped without harm
        server.execute("NOTIFY tp_channel, 'hello'");
        assertThat(single("SELECT 3")).isEqualTo(3);
    }

    @Test
    void validate() {
        assertThat(Mono.from(connection.validate(io.r2dbc.spi.ValidationDepth.REMOTE)).block(WAIT)).isTrue();
        assertThat(Mono.from(connection.validate(io.r2dbc.spi.ValidationDepth.LOCAL)).block(WAIT)).isTrue();
        Connection closed = connection;
        Mono.from(closed.close()).block(WAIT);
        connection = null;
        assertThat(Mono.from(closed.validate(io.r2dbc.spi.ValidationDepth.REMOTE)).block(WAIT)).isFalse();
    }
}
