package io.tidepool.pg.internal;

import io.r2dbc.spi.Type;
import org.jspecify.annotations.Nullable;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.UUID;

/** The server types the client knows by OID, each with the Java type it decodes to by default. */
enum PgType implements Type {
    BOOL(16, "bool", Boolean.class, true),
    BYTEA(17, "bytea", ByteBuffer.class, true),
    CHAR(18, "char", String.class, false),
    NAME(19, "name", String.class, true),
    INT8(20, "int8", Long.class, true),
    INT2(21, "int2", Short.class, true),
    INT4(23, "int4", Integer.class, true),
    TEXT(25, "text", String.class, true),
    OID(26, "oid", Long.class, false),
    JSON(114, "json", String.class, true),
    XML(142, "xml", String.class, false),
    FLOAT4(700, "float4", Float.class, true),
    FLOAT8(701, "float8", Double.class, true),
    UNKNOWN(705, "unknown", String.class, false),
    BPCHAR(1042, "bpchar", String.class, true),
    VARCHAR(1043, "varchar", String.class, true),
    DATE(1082, "date", LocalDate.class, true),
    TIME(1083, "time", LocalTime.class, true),
    TIMESTAMP(1114, "timestamp", LocalDateTime.class, true),
    TIMESTAMPTZ(1184, "timestamptz", OffsetDateTime.class, true),
    INTERVAL(1186, "interval", String.class, false),
    TIMETZ(1266, "timetz", String.class, false),
    NUMERIC(1700, "numeric", BigDecimal.class, true),
    UUID_TYPE(2950, "uuid", UUID.class, true),
    JSONB(3802, "jsonb", String.class, true),
    // arrays of the types above, of any dimension, each decoded to a Java array of its element's type
    JSON_ARRAY(199, "_json", String[].class, 114),
    BOOL_ARRAY(1000, "_bool", Boolean[].class, 16),
    BYTEA_ARRAY(1001, "_bytea", ByteBuffer[].class, 17),
    NAME_ARRAY(1003, "_name", String[].class, 19),
    INT2_ARRAY(1005, "_int2", Short[].class, 21),
    INT4_ARRAY(1007, "_int4", Integer[].class, 23),
    TEXT_ARRAY(1009, "_text", String[].class, 25),
    BPCHAR_ARRAY(1014, "_bpchar", String[].class, 1042),
    VARCHAR_ARRAY(1015, "_varchar", String[].class, 1043),
    INT8_ARRAY(1016, "_int8", Long[].class, 20),
    FLOAT4_ARRAY(1021, "_float4", Float[].class, 700),
    FLOAT8_ARRAY(1022, "_float8", Double[].class, 701),
    TIMESTAMP_ARRAY(1115, "_timestamp", LocalDateTime[].class, 1114),
    DATE_ARRAY(1182, "_date", LocalDate[].class, 1082),
    TIME_ARRAY(1183, "_time", LocalTime[].class, 1083),
    TIMESTAMPTZ_ARRAY(1185, "_timestamptz", OffsetDateTime[].class, 1184),
    NUMERIC_ARRAY(1231, "_numeric", BigDecimal[].class, 1700),
    UUID_ARRAY(2951, "_uuid", UUID[].class, 2950),
    JSONB_ARRAY(3807, "_jsonb", String[].class, 3802);

    private static final PgType[] BY_SMALL_OID = new PgType[4096];

    static {
        for (PgType t : values()) {
            BY_SMALL_OID[t.oid] = t;
        }
    }

    // the array type of each element type: the one a bound Java array of that element is sent as
    private static final PgType[] ARRAY_OF = new PgType[4096];

    static {
        for (PgType t : values()) {
            if (t.elementOid != 0 && ARRAY_OF[t.elementOid] == null) {
                ARRAY_OF[t.elementOid] = t;
            }
        }
    }

    final int oid;
    private final String typeName;
    private final Class<?> javaType;
    /** Whether results of this type are asked for in binary once the statement's columns are known. */
    final boolean binaryResult;
    /** Whether the binary form is the UTF-8 text itself (so a String is read without decoding). */
    final boolean binaryIsText;
    /** For an array type, its element type's OID; 0 for the others. */
    private final int elementOid;

    PgType(int oid, String typeName, Class<?> javaType, boolean binaryResult) {
        this(oid, typeName, javaType, binaryResult, 0);
    }

    /** An array type of {@code elementOid}'s elements, asked for in binary as its elements are. */
    PgType(int oid, String typeName, Class<?> javaType, int elementOid) {
        this(oid, typeName, javaType, true, elementOid);
    }

    private PgType(int oid, String typeName, Class<?> javaType, boolean binaryResult, int elementOid) {
        this.oid = oid;
        this.typeName = typeName;
        this.javaType = javaType;
        this.binaryResult = binaryResult;
        this.binaryIsText = javaType == String.class && oid != 3802;
        this.elementOid = elementOid;
    }

    /** The known type of {@code oid}, or {@code null} for one the client decodes as text into a String. */
    static PgType of(int oid) {
        return oid >= 0 && oid < BY_SMALL_OID.length && BY_SMALL_OID[oid] != null ? BY_SMALL_OID[oid] : UNKNOWN;
    }

    boolean isArray() {
        return elementOid != 0;
    }

    /** The element type of an array type. */
    PgType element() {
        return of(elementOid);
    }

    /** The array type whose elements are {@code element}, or {@code null} when the client knows none. */
    static @Nullable PgType arrayOf(PgType element) {
        return ARRAY_OF[element.oid];
    }

    @Override
    public Class<?> getJavaType() {
        return javaType;
    }

    @Override
    public String getName() {
        return typeName;
    }
}
