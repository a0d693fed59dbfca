package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Decodes one column value (text or binary format) to its default Java type, then converts to what was asked. */
final class ValueDecoder {

    private static final LocalDate PG_EPOCH_DATE = LocalDate.of(2000, 1, 1);
    private static final LocalDateTime PG_EPOCH = PG_EPOCH_DATE.atStartOfDay();

    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral(' ').append(DateTimeFormatter.ISO_LOCAL_TIME)
            .toFormatter();
    // +HH, +HH:MM or +HH:MM:SS (local mean time before 1900-ish); the no-offset text is one the server never writes:
    // "+00" there would match the start of "+00:09:21" and leave the rest unparsed
    private static final DateTimeFormatter TIMESTAMPTZ = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral(' ').append(DateTimeFormatter.ISO_LOCAL_TIME)
            .appendOffset("+HH:mm:ss", "Z").toFormatter();

    private ValueDecoder() {
    }

    /** The value of {@code type} in {@code [offset, offset + length)} of {@code data} as its default Java type. */
    static Object decode(byte[] data, int offset, int length, PgType type, boolean binary) {
        return binary ? decodeBinary(data, offset, length, type) : decodeText(text(data, offset, length), type);
    }

    static String text(byte[] data, int offset, int length) {
        return new String(data, offset, length, StandardCharsets.UTF_8);
    }

    static Object decodeText(String s, PgType type) {
        if (type.isArray()) {
            return PgArrays.decodeText(s, type);
        }
        switch (type) {
            case BOOL:
                return s.equals("t") || s.equals("true");
            case INT2:
                return Short.valueOf(s);
            case INT4:
                return Integer.valueOf(s);
            case INT8:
            case OID:
                return Long.valueOf(s);
            case FLOAT4:
                return Float.valueOf(s);
            case FLOAT8:
                return Double.valueOf(s);
            case NUMERIC:
                // NaN and (PostgreSQL 14+) the infinities have no BigDecimal: the same Double the binary form gives
                return s.equals("NaN") ? (Object) Double.NaN : s.equals("Infinity") ? (Object) Double.POSITIVE_INFINITY
                        : s.equals("-Infinity") ? (Object) Double.NEGATIVE_INFINITY : new BigDecimal(s);
            case BYTEA:
                return ByteBuffer.wrap(hexBytea(s));
            case UUID_TYPE:
                return UUID.fromString(s);
            case DATE:
                return textDate(s);
            case TIME:
                return LocalTime.parse(s);
            case TIMESTAMP:
                return s.equals("infinity") ? LocalDateTime.MAX : s.equals("-infinity") ? LocalDateTime.MIN
                        : LocalDateTime.parse(s, TIMESTAMP);
            case TIMESTAMPTZ:
                // normalized to UTC, as the binary form is: the same statement reads the same either way
                return s.equals("infinity") ? OffsetDateTime.MAX : s.equals("-infinity") ? OffsetDateTime.MIN
                        : OffsetDateTime.parse(s, TIMESTAMPTZ).withOffsetSameInstant(ZoneOffset.UTC);
            default:
                return s;
        }
    }

    private static LocalDate textDate(String s) {
        if (s.equals("infinity")) {
            return LocalDate.MAX;
        }
        if (s.equals("-infinity")) {
            return LocalDate.MIN;
        }
        return LocalDate.parse(s);
    }

    private static byte[] hexBytea(String s) {
        if (!s.startsWith("\\x")) {
            throw new IllegalArgumentException("bytea is not in hex format (bytea_output must be 'hex')");
        }
        int n = (s.length() - 2) / 2;
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) ((Character.digit(s.charAt(2 + 2 * i), 16) << 4) | Character.digit(s.charAt(3 + 2 * i), 16));
        }
        return out;
    }

    static Object decodeBinary(byte[] d, int o, int len, PgType type) {
        if (type.isArray()) {
            return PgArrays.decodeBinary(d, o, len, type);
        }
        ByteBuffer b = ByteBuffer.wrap(d, o, len);
        switch (type) {
            case BOOL:
                return b.get() != 0;
            case INT2:
                return b.getShort();
            case INT4:
                return b.getInt();
            case INT8:
                return b.getLong();
            case OID:
                return b.getInt() & 0xFFFFFFFFL;
            case FLOAT4:
                return b.getFloat();
            case FLOAT8:
                return b.getDouble();
            case NUMERIC:
                return binaryNumeric(b);
            case BYTEA: {
                byte[] copy = new byte[len];
                System.arraycopy(d, o, copy, 0, len);
                return ByteBuffer.wrap(copy);
            }
            case UUID_TYPE:
                return new UUID(b.getLong(), b.getLong());
            case DATE: {
                int days = b.getInt();
                return days == Integer.MAX_VALUE ? LocalDate.MAX : days == Integer.MIN_VALUE ? LocalDate.MIN
                        : PG_EPOCH_DATE.plusDays(days);
            }
            case TIME:
                return LocalTime.ofNanoOfDay(b.getLong() * 1000L);
            case TIMESTAMP: {
                long micros = b.getLong();
                return micros == Long.MAX_VALUE ? LocalDateTime.MAX : micros == Long.MIN_VALUE ? LocalDateTime.MIN
                        : PG_EPOCH.plus(micros, ChronoUnit.MICROS);
            }
            case TIMESTAMPTZ: {
                long micros = b.getLong();
                return micros == Long.MAX_VALUE ? OffsetDateTime.MAX : micros == Long.MIN_VALUE ? OffsetDateTime.MIN
                        : PG_EPOCH.plus(micros, ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
            }
            case JSONB:
                // a version byte (1), then the JSON text
                if (len < 1 || d[o] != 1) {
                    throw new IllegalArgumentException("unknown binary jsonb version");
                }
                return text(d, o + 1, len - 1);
            default:
                return text(d, o, len);
        }
    }

    private static Object binaryNumeric(ByteBuffer b) {
        int ndigits = b.getShort();
        int weight = b.getShort();
        int sign = b.getShort() & 0xFFFF;
        int dscale = b.getShort();
        if (sign == 0xC000) {
            return Double.NaN;
        } else if (sign == 0xD000) {
            return Double.POSITIVE_INFINITY;
        } else if (sign == 0xF000) {
            return Double.NEGATIVE_INFINITY;
        }
        BigInteger unscaled = BigInteger.ZERO;
        BigInteger tenThousand = BigInteger.valueOf(10000);
        for (int i = 0; i < ndigits; i++) {
            unscaled = unscaled.multiply(tenThousand).add(BigInteger.valueOf(b.getShort()));
        }
        // the digits stand for unscaled * 10000^(weight - ndigits + 1)
        BigDecimal value = new BigDecimal(unscaled).scaleByPowerOfTen(4 * (weight - ndigits + 1));
        value = value.setScale(dscale, java.math.RoundingMode.UNNECESSARY);
        return sign == 0x4000 ? value.negate() : value;
    }

    /** Converts a decoded value to {@code target}, the way R2DBC users expect (widening numbers, Instant from tz...). */
    @SuppressWarnings("unchecked")
    static <T> T convert(Object value, Class<T> target, String column) {
        if (target.isInstance(value)) {
            return (T) value;
        }
        Class<?> boxed = box(target);
        if (boxed.isInstance(value)) {
            return (T) value;
        }
        Object converted = convertOrNull(value, boxed, column);
        if (converted == null) {
            throw new IllegalArgumentException("column '" + column + "' holds a " + value.getClass().getSimpleName()
                    + " that cannot be read as " + target.getName());
        }
        return (T) converted;
    }

    private static @Nullable Object convertOrNull(Object value, Class<?> target, String column) {
        if (value instanceof Number) {
            Number n = (Number) value;
            if (target == Long.class) {
                return n.longValue();
            } else if (target == Integer.class) {
                return n.intValue();
            } else if (target == Short.class) {
                return n.shortValue();
            } else if (target == Byte.class) {
                return n.byteValue();
            } else if (target == Double.class) {
                return n.doubleValue();
            } else if (target == Float.class) {
                return n.floatValue();
            } else if (target == BigDecimal.class) {
                return n instanceof BigDecimal ? n : new BigDecimal(n.toString());
            } else if (target == BigInteger.class) {
                return new BigDecimal(n.toString()).toBigInteger();
            } else if (target == Boolean.class) {
                return n.intValue() != 0;
            }
        }
        if (PgArrays.isArrayValue(value)) {
            return target == String.class ? PgArrays.literal(value)
                    : PgArrays.isArrayValue(target) ? PgArrays.convert(value, target, column) : null;
        }
        if (target == String.class) {
            // as the server writes it, so that a binary result reads as the same statement's text result did
            return TextForm.of(value);
        }
        if (value instanceof ByteBuffer && target == io.r2dbc.spi.Blob.class) {
            return io.r2dbc.spi.Blob.from(reactor.core.publisher.Mono.just(((ByteBuffer) value).duplicate()));
        }
        if (value instanceof String && target == io.r2dbc.spi.Clob.class) {
            return io.r2dbc.spi.Clob.from(reactor.core.publisher.Mono.just((String) value));
        }
        if (value instanceof ByteBuffer && target == byte[].class) {
            ByteBuffer bb = ((ByteBuffer) value).duplicate();
            byte[] out = new byte[bb.remaining()];
            bb.get(out);
            return out;
        }
        if (value instanceof OffsetDateTime) {
            OffsetDateTime t = (OffsetDateTime) value;
            if (target == Instant.class) {
                return t.toInstant();
            } else if (target == ZonedDateTime.class) {
                return t.toZonedDateTime();
            } else if (target == LocalDateTime.class) {
                return t.toLocalDateTime();
            } else if (target == LocalDate.class) {
                return t.toLocalDate();
            }
        }
        if (value instanceof LocalDateTime) {
            LocalDateTime t = (LocalDateTime) value;
            if (target == LocalDate.class) {
                return t.toLocalDate();
            } else if (target == LocalTime.class) {
                return t.toLocalTime();
            } else if (target == Instant.class) {
                return t.toInstant(ZoneOffset.UTC);
            } else if (target == OffsetDateTime.class) {
                return t.atOffset(ZoneOffset.UTC);
            }
        }
        if (value instanceof String) {
            String s = (String) value;
            if (target == UUID.class) {
                return UUID.fromString(s);
            } else if (target == Integer.class) {
                return Integer.valueOf(s);
            } else if (target == Long.class) {
                return Long.valueOf(s);
            }
        }
        return null;
    }

    static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        if (c == int.class) {
            return Integer.class;
        } else if (c == long.class) {
            return Long.class;
        } else if (c == short.class) {
            return Short.class;
        } else if (c == boolean.class) {
            return Boolean.class;
        } else if (c == double.class) {
            return Double.class;
        } else if (c == float.class) {
            return Float.class;
        } else if (c == byte.class) {
            return Byte.class;
        } else if (c == char.class) {
            return Character.class;
        }
        return c;
    }
}
