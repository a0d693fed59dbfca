package io.tidepool.pg;

import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static io.tidepool.pg.QueryTests.WAIT;
import static io.tidepool.pg.QueryTests.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Arrays of the common types on a real server, bound from Java arrays and read back, in both result formats: a
 * statement's first execution reads text (it is described then), the next ones binary.
 */
@Timeout(60)
class ArrayTests {

    private static final int RUNS = 2;
    private final PgTestServer server = PgTestServer.get();
    private PgSession connection;

    enum Mood { happy, sad }

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

    private List<Object[]> read(Statement statement, int columns) {
        return rows(statement, (row, m) -> {
            Object[] v = new Object[columns];
            for (int i = 0; i < columns; i++) {
                v[i] = row.get(i);
            }
            return v;
        });
    }

    private void execute(String sql) {
        Flux.from(connection.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).blockLast(WAIT);
    }

    @Test
    void anArrayOfEachCommonTypeRoundTripsWithItsNulls() {
        UUID uuid = UUID.randomUUID();
        OffsetDateTime tz = OffsetDateTime.of(2026, 12, 3, 10, 50, 1, 123456000, ZoneOffset.ofHours(2));
        Object[] bound = {
            new Short[] {1, null, -2},
            new Integer[] {Integer.MIN_VALUE, null, 7},
            new Long[] {1L << 40, null},
            new Float[] {1.5f, null, Float.NaN},
            new Double[] {2.25d, Double.NEGATIVE_INFINITY, null},
            new BigDecimal[] {new BigDecimal("-12345678901234567890.0012300"), null, BigDecimal.ZERO},
            new Boolean[] {true, false, null},
            new String[] {"plain", "a b", "c\"d", "e\\f", "{g,h}", "", "NULL", null, "é ü"},
            new byte[][] {{0, 1, (byte) 0xFF}, null, {}},
            new UUID[] {uuid, null},
            new LocalDate[] {LocalDate.of(2026, 12, 3), null, LocalDate.MIN},
            new LocalTime[] {LocalTime.of(10, 50, 1, 654321000), null},
            new LocalDateTime[] {LocalDateTime.of(2026, 12, 3, 10, 50, 1, 5000), null, LocalDateTime.MAX},
            new OffsetDateTime[] {tz, null},
        };
        String sql = "SELECT $1::int2[], $2::int4[], $3::int8[], $4::float4[], $5::float8[], $6::numeric[],"
                + " $7::bool[], $8::text[], $9::bytea[], $10::uuid[], $11::date[], $12::time[], $13::timestamp[],"
                + " $14::timestamptz[], $8::varchar[], $8::text[]::name[], ARRAY['x', NULL]::bpchar[],"
                + " ARRAY['{\"a\": [1, \"b\"]}', NULL]::json[], ARRAY['{\"c\": {\"d\": null}}']::jsonb[]";
        for (int run = 0; run < RUNS; run++) {
            Statement s = connection.createStatement(sql);
            for (int i = 0; i < bound.length; i++) {
                s.bind(i, bound[i]);
            }
            Object[] v = read(s, 19).get(0);
            for (int i = 0; i < bound.length; i++) {
                if (i == 8 || i == 13) {
                    continue; // bytea comes back as ByteBuffers, timestamptz at UTC: below
                }
                assertThat(v[i]).as("run %d, column %d", run, i + 1).isEqualTo(bound[i]);
                assertThat(v[i]).hasSameClassAs(bound[i]);
            }
            assertThat((ByteBuffer[]) v[8]).as("run %d", run).containsExactly(ByteBuffer.wrap(new byte[] {0, 1,
                    (byte) 0xFF}), null, ByteBuffer.allocate(0));
            assertThat((OffsetDateTime[]) v[13]).as("run %d", run)
                    .containsExactly(tz.withOffsetSameInstant(ZoneOffset.UTC), null);
            assertThat(v[14]).isEqualTo(bound[7]);
            String[] names = (String[]) v[15];
            assertThat(names).hasSize(9).contains("c\"d", "é ü");
            assertThat((String[]) v[16]).containsExactly("x", null);
            assertThat((String[]) v[17]).containsExactly("{\"a\": [1, \"b\"]}", null);
            assertThat((String[]) v[18]).containsExactly("{\"c\": {\"d\": null}}");
        }
    }

    @Test
    void multidimensionalArraysKeepTheirShape() {
        Integer[][] grid = {{1, 2, 3}, {4, null, 6}};
        String[][][] cube = {{{"a", "b c"}}, {{"\"q\"", null}}};
        for (int run = 0; run < RUNS; run++) {
            Object[] v = read(connection.createStatement("SELECT $1::int4[], $2::text[], array_dims($1::int4[]),"
                    + " '{{{1}}}'::int8[]").bind(0, grid).bind(1, cube), 4).get(0);
            assertThat(v[0]).as("run %d", run).isInstanceOf(Integer[][].class).isEqualTo(grid);
            assertThat(v[1]).as("run %d", run).isInstanceOf(String[][][].class).isEqualTo(cube);
            assertThat(v[2]).isEqualTo("[1:2][1:3]");
            assertThat(v[3]).isEqualTo(new Long[][][] {{{1L}}});
        }
    }

    @Test
    void emptyArraysAndLowerBoundsOtherThanOne() {
        for (int run = 0; run < RUNS; run++) {
            Object[] v = read(connection.createStatement("SELECT '{}'::uuid[], '{}'::text[], '[0:2]={5,6,7}'::int4[],"
                    + " $1::date[]").bind(0, new LocalDate[0]), 4).get(0);
            assertThat(v[0]).as("run %d", run).isEqualTo(new UUID[0]);
            assertThat(v[1]).isEqualTo(new String[0]);
            assertThat(v[2]).as("Java arrays start at 0 whatever the server's bound").isEqualTo(new Integer[] {5, 6, 7});
            assertThat(v[3]).isEqualTo(new LocalDate[0]);
        }
    }

    @Test
    void primitiveArraysBindAndArraysConvertToWhatIsAsked() {
        for (int run = 0; run < RUNS; run++) {
            List<Object[]> rows = rows(connection.createStatement("SELECT $1::int4[], $2::float8[], $3::bool[],"
                            + " ARRAY[1, NULL]::int4[], $4::int8[]")
                    .bind(0, new int[] {3, 4}).bind(1, new double[] {0.5}).bind(2, new boolean[] {true, false})
                    .bind(3, new long[][] {{1, 2}, {3, 4}}),
                    (row, m) -> new Object[] {row.get(0, long[].class), row.get(0, String[].class),
                        row.get(0, String.class), row.get(1, double[].class), row.get(2, boolean[].class),
                        row.get(3, String.class), row.get(3, Long[].class), row.get(4, long[][].class),
                        row.get(4, String.class)});
            Object[] v = rows.get(0);
            assertThat((long[]) v[0]).as("run %d", run).containsExactly(3L, 4L);
            assertThat((String[]) v[1]).containsExactly("3", "4");
            assertThat(v[2]).as("the server's text form, in text and in binary").isEqualTo("{3,4}");
            assertThat((double[]) v[3]).containsExactly(0.5);
            assertThat((boolean[]) v[4]).containsExactly(true, false);
            assertThat(v[5]).isEqualTo("{1,NULL}");
            assertThat((Long[]) v[6]).containsExactly(1L, null);
            assertThat((long[][]) v[7]).isEqualTo(new long[][] {{1, 2}, {3, 4}});
            assertThat(v[8]).isEqualTo("{{1,2},{3,4}}");
        }
    }

    @Test
    void aNullElementCannotBeReadIntoAPrimitiveArray() {
        for (int run = 0; run < RUNS; run++) {
            assertThatThrownBy(() -> rows(connection.createStatement("SELECT ARRAY[1, NULL]::int4[] AS a"),
                    (row, m) -> row.get("a", int[].class)))
                    .hasMessageContaining("column 'a' holds a NULL element, which int[] cannot hold");
        }
    }

    @Test
    void arraysBindIntoColumnsOfTheirTypeAndNullArraysCarryTheirType() {
        execute("DROP TABLE IF EXISTS tp_arrays; DROP TYPE IF EXISTS tp_mood;"
                + " CREATE TYPE tp_mood AS ENUM ('happy', 'sad');"
                + " CREATE TABLE tp_arrays (id int, names varchar(10)[], moods tp_mood[], ids bigint[])");
        Flux.from(connection.createStatement("INSERT INTO tp_arrays VALUES ($1, $2, $3, $4)")
                .bind(0, 1).bind(1, new String[] {"x", "y z"}).bind(2, new Mood[] {Mood.sad, Mood.happy})
                .bindNull(3, Long[].class).execute()).flatMap(Result::getRowsUpdated).blockLast(WAIT);
        Object[] v = read(connection.createStatement("SELECT names, moods::text[], ids IS NULL,"
                + " pg_typeof(ids)::text FROM tp_arrays"), 4).get(0);
        assertThat(v).containsExactly(new String[] {"x", "y z"}, new String[] {"sad", "happy"}, true, "bigint[]");
        execute("DROP TABLE tp_arrays; DROP TYPE tp_mood");
    }

    @Test
    void anArrayOfATypeTheClientCannotBindIsRefusedWhenBound() {
        assertThatThrownBy(() -> connection.createStatement("SELECT $1").bind(0, new Object[] {new StringBuilder()}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot bind an array of java.lang.StringBuilder");
    }

    @Test
    void aNumericNaNElementNamesTheWayToReadIt() {
        for (int run = 0; run < RUNS; run++) {
            assertThatThrownBy(() -> rows(connection.createStatement("SELECT '{NaN,1}'::numeric[]"),
                    (row, m) -> row.get(0)))
                    .as("run %d", run).hasMessageContaining("select the array as text[]");
        }
        assertThat(rows(connection.createStatement("SELECT '{NaN,1}'::numeric[]::text[]"),
                (row, m) -> row.get(0, String[].class))).containsExactly(new String[] {"NaN", "1"});
    }
}
