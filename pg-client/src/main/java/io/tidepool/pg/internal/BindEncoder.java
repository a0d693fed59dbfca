package io.tidepool.pg.internal;

import io.r2dbc.spi.Parameter;
import io.r2dbc.spi.R2dbcType;
import io.r2dbc.spi.Type;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.UUID;

/**
 * Encodes a bound Java value when {@code bind} is called (on the caller's thread, not the event loop): fixed-width
 * numbers, booleans, bytes and UUIDs in binary, the rest in text with an explicit type OID.
 */
final class BindEncoder {

    /** "Let the server infer the type": used for strings, so they bind to text, varchar, json or enum columns alike. */
    static final int UNSPECIFIED = 0;

    private BindEncoder() {
    }

    static BindValue encode(Object value) {
        if (value instanceof Parameter) {
            Parameter p = (Parameter) value;
            Object v = p.getValue();
            return v == null ? encodeNull(p.getType()) : encode(v);
        }
        if (value instanceof io.r2dbc.spi.Blob) {
            return BindValue.lob((io.r2dbc.spi.Blob) value);
        } else if (value instanceof io.r2dbc.spi.Clob) {
            return BindValue.lob((io.r2dbc.spi.Clob) value);
        }
        if (value instanceof String) {
            return text(UNSPECIFIED, (String) value);
        } else if (value instanceof Integer) {
            return new BindValue(PgType.INT4.oid, Frontend.BINARY,
                    ByteBuffer.allocate(4).putInt((Integer) value).array());
        } else if (value instanceof Long) {
            return new BindValue(PgType.INT8.oid, Frontend.BINARY,
                    ByteBuffer.allocate(8).putLong((Long) value).array());
        } else if (value instanceof Short) {
            return new BindValue(PgType.INT2.oid, Frontend.BINARY,
                    ByteBuffer.allocate(2).putShort((Short) value).array());
        } else if (value instanceof Byte) {
            return new BindValue(PgType.INT2.oid, Frontend.BINARY,
                    ByteBuffer.allocate(2).putShort((Byte) value).array());
        } else if (value instanceof Boolean) {
            return new BindValue(PgType.BOOL.oid, Frontend.BINARY, new byte[] {(byte) ((Boolean) value ? 1 : 0)});
        } else if (value instanceof Double) {
            return new BindValue(PgType.FLOAT8.oid, Frontend.BINARY,
                    ByteBuffer.allocate(8).putDouble((Double) value).array());
        } else if (value instanceof Float) {
            return new BindValue(PgType.FLOAT4.oid, Frontend.BINARY,
                    ByteBuffer.allocate(4).putFloat((Float) value).array());
        } else if (value instanceof BigDecimal) {
            return text(PgType.NUMERIC.oid, TextForm.of(value));
        } else if (value instanceof BigInteger) {
            return text(PgType.NUMERIC.oid, value.toString());
        } else if (value instanceof byte[]) {
            return new BindValue(PgType.BYTEA.oid, Frontend.BINARY, ((byte[]) value).clone());
        } else if (value instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) value).duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return new BindValue(PgType.BYTEA.oid, Frontend.BINARY, bytes);
        } else if (value instanceof UUID) {
            UUID u = (UUID) value;
            return new BindValue(PgType.UUID_TYPE.oid, Frontend.BINARY, ByteBuffer.allocate(16)
                    .putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array());
        } else if (value instanceof LocalDate) {
            return text(PgType.DATE.oid, TextForm.of(value));
        } else if (value instanceof LocalTime) {
            return text(PgType.TIME.oid, TextForm.of(value));
        } else if (value instanceof LocalDateTime) {
            return text(PgType.TIMESTAMP.oid, TextForm.of(value));
        } else if (value instanceof OffsetDateTime) {
            return text(PgType.TIMESTAMPTZ.oid, TextForm.of(value));
        } else if (value instanceof ZonedDateTime) {
            return text(PgType.TIMESTAMPTZ.oid, TextForm.of(value));
        } else if (value instanceof Instant) {
            return text(PgType.TIMESTAMPTZ.oid, TextForm.of(value));
        } else if (PgArrays.isArrayValue(value)) {
            return text(PgArrays.bindOid(value.getClass(), value), PgArrays.literal(value));
        } else if (value instanceof Enum) {
            return text(UNSPECIFIED, TextForm.of(value));
        }
        throw new IllegalArgumentException("cannot bind a value of " + value.getClass().getName()
                + ": the native client binds Integer, Long, Short, String, Boolean, Double, Float, BigDecimal, byte[],"
                + " ByteBuffer, UUID, LocalDate, LocalTime, LocalDateTime, OffsetDateTime, ZonedDateTime, Instant, enums"
                + " and arrays of these (of any dimension, boxed or primitive)");
    }

    /** A NULL of the type a {@code bindNull(Class)} or {@code Parameters.in(Type)} named. */
    static BindValue encodeNull(Class<?> type) {
        Class<?> c = ValueDecoder.box(type);
        return new BindValue(PgArrays.isArrayValue(c) ? PgArrays.bindOid(c, null) : scalarOid(c), Frontend.TEXT, null);
    }

    static BindValue encodeNull(Type type) {
        if (type instanceof PgType) {
            return new BindValue(((PgType) type).oid, Frontend.TEXT, null);
        }
        if (type instanceof R2dbcType) {
            return new BindValue(oidOf((R2dbcType) type), Frontend.TEXT, null);
        }
        return encodeNull(type.getJavaType());
    }

    private static int oidOf(R2dbcType t) {
        switch (t) {
            case BOOLEAN: return PgType.BOOL.oid;
            case SMALLINT: case TINYINT: return PgType.INT2.oid;
            case INTEGER: return PgType.INT4.oid;
            case BIGINT: return PgType.INT8.oid;
            case REAL: return PgType.FLOAT4.oid;
            case DOUBLE: case FLOAT: return PgType.FLOAT8.oid;
            case DECIMAL: case NUMERIC: return PgType.NUMERIC.oid;
            case BINARY: case VARBINARY: case BLOB: return PgType.BYTEA.oid;
            case DATE: return PgType.DATE.oid;
            case TIME: return PgType.TIME.oid;
            case TIMESTAMP: return PgType.TIMESTAMP.oid;
            case TIMESTAMP_WITH_TIME_ZONE: return PgType.TIMESTAMPTZ.oid;
            case VARCHAR: case NVARCHAR: return PgType.VARCHAR.oid;
            case CHAR: case NCHAR: return PgType.BPCHAR.oid;
            case CLOB: case NCLOB: return PgType.TEXT.oid;
            default: return UNSPECIFIED;
        }
    }

    /** The OID a value of {@code c} (boxed, not an array but byte[]) is bound as; UNSPECIFIED when the server decides. */
    static int scalarOid(Class<?> c) {
        if (c == Integer.class) {
            return PgType.INT4.oid;
        } else if (c == Long.class) {
            return PgType.INT8.oid;
        } else if (c == Short.class || c == Byte.class) {
            return PgType.INT2.oid;
        } else if (c == Boolean.class) {
            return PgType.BOOL.oid;
        } else if (c == Double.class) {
            return PgType.FLOAT8.oid;
        } else if (c == Float.class) {
            return PgType.FLOAT4.oid;
        } else if (c == BigDecimal.class || c == BigInteger.class) {
            return PgType.NUMERIC.oid;
        } else if (c == byte[].class || ByteBuffer.class.isAssignableFrom(c)) {
            return PgType.BYTEA.oid;
        } else if (c == UUID.class) {
            return PgType.UUID_TYPE.oid;
        } else if (io.r2dbc.spi.Blob.class.isAssignableFrom(c)) {
            return PgType.BYTEA.oid;
        } else if (io.r2dbc.spi.Clob.class.isAssignableFrom(c)) {
            return PgType.TEXT.oid;
        } else if (c == LocalDate.class) {
            return PgType.DATE.oid;
        } else if (c == LocalTime.class) {
            return PgType.TIME.oid;
        } else if (c == LocalDateTime.class) {
            return PgType.TIMESTAMP.oid;
        } else if (c == OffsetDateTime.class || c == ZonedDateTime.class || c == Instant.class) {
            return PgType.TIMESTAMPTZ.oid;
        }
        return UNSPECIFIED;
    }

    private static BindValue text(int oid, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a bound string must not contain the NUL character");
        }
        return new BindValue(oid, Frontend.TEXT, s.getBytes(StandardCharsets.UTF_8));
    }
}
