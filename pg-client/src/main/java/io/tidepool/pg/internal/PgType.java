package io.tidepool.pg.internal;

import io.r2dbc.spi.Type;

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
    BOOL_ARRAY(1000, "_bool", Boolean[].class, false),
    INT2_ARRAY(1005, "_int2", Short[].class, false),
    INT4_ARRAY(1007, "_int4", Integer[].class, true),
    TEXT_ARRAY(1009, "_text", String[].class, true),
    VARCHAR_ARRAY(1015, "_varchar", String[].class, true),
    INT8_ARRAY(1016, "_int8", Long[].class, true),
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
    JSONB(3802, "jsonb", String.class, true);

    private static final PgType[] BY_SMALL_OID = new PgType[4096];

    static {
        for (PgType t : values()) {
            BY_SMALL_OID[t.oid] = t;
        }
    }

    final int oid;
    private final String typeName;
    private final Class<?> javaType;
    /** Whether results of this type are asked for in binary once the statement's columns are known. */
    final boolean binaryResult;
    /** Whether the binary form is the UTF-8 text itself (so a String is read without decoding). */
    final boolean binaryIsText;

    PgType(int oid, String typeName, Class<?> javaType, boolean binaryResult) {
        this.oid = oid;
        this.typeName = typeName;
        this.javaType = javaType;
        this.binaryResult = binaryResult;
        this.binaryIsText = javaType == String.class && oid != 3802;
    }

    /** The known type of {@code oid}, or {@code null} for one the client decodes as text into a String. */
    static PgType of(int oid) {
        return oid >= 0 && oid < BY_SMALL_OID.length && BY_SMALL_OID[oid] != null ? BY_SMALL_OID[oid] : UNKNOWN;
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
