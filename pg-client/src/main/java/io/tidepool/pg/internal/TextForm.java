package io.tidepool.pg.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * A value in the text form the server writes and reads: what a value bound as text is sent as (alone or as an array's
 * element), and what {@code row.get(i, String.class)} gives for a value that arrived in binary, so that it reads the
 * same as on a statement's first, text-format execution ({@code t}, {@code 0.0000001}, {@code 2026-12-03 10:50:01},
 * {@code \x01ff}, {@code infinity}, {@code 1e+20}). A timestamptz read in binary is written at UTC ({@code +00}),
 * where the server writes the session's time zone.
 */
final class TextForm {

    private TextForm() {
    }

    static String of(Object value) {
        if (value instanceof Boolean) {
            return (Boolean) value ? "t" : "f";
        } else if (value instanceof BigDecimal) {
            return ((BigDecimal) value).toPlainString();
        } else if (value instanceof Double) {
            return floating((Double) value, false);
        } else if (value instanceof Float) {
            return floating((Float) value, true);
        } else if (value instanceof byte[]) {
            return hex((byte[]) value);
        } else if (value instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) value).duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return hex(bytes);
        } else if (value instanceof LocalDate) {
            LocalDate d = (LocalDate) value;
            return d.equals(LocalDate.MAX) ? "infinity" : d.equals(LocalDate.MIN) ? "-infinity" : date(d, "");
        } else if (value instanceof LocalTime) {
            return time((LocalTime) value);
        } else if (value instanceof LocalDateTime) {
            LocalDateTime t = (LocalDateTime) value;
            return t.equals(LocalDateTime.MAX) ? "infinity" : t.equals(LocalDateTime.MIN) ? "-infinity"
                    : date(t.toLocalDate(), " " + time(t.toLocalTime()));
        } else if (value instanceof OffsetDateTime) {
            OffsetDateTime t = (OffsetDateTime) value;
            return t.equals(OffsetDateTime.MAX) ? "infinity" : t.equals(OffsetDateTime.MIN) ? "-infinity"
                    : date(t.toLocalDate(), " " + time(t.toLocalTime()) + offset(t.getOffset()));
        } else if (value instanceof ZonedDateTime) {
            return of(((ZonedDateTime) value).toOffsetDateTime());
        } else if (value instanceof Instant) {
            return of(((Instant) value).atOffset(ZoneOffset.UTC));
        } else if (value instanceof Enum) {
            return ((Enum<?>) value).name();
        }
        return value.toString();
    }

    /**
     * The shortest digits that read back as the value, as float8out and float4out write them: plain while the decimal
     * exponent is from -4 to {@code digits - 1} (15 for float8, 6 for float4), else {@code 1.5e-05}, {@code 1e+20}.
     */
    private static String floating(double value, boolean single) {
        if (Double.isNaN(value)) {
            return "NaN";
        } else if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        } else if (value == 0) {
            return 1 / value < 0 ? "-0" : "0";
        }
        BigDecimal d = shortest(value, single).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1;
        if (exponent >= -4 && exponent < (single ? 6 : 15)) {
            return d.toPlainString();
        }
        String unscaled = d.unscaledValue().abs().toString();
        StringBuilder b = new StringBuilder(24);
        if (d.signum() < 0) {
            b.append('-');
        }
        b.append(unscaled.charAt(0));
        if (unscaled.length() > 1) {
            b.append('.').append(unscaled, 1, unscaled.length());
        }
        int e = Math.abs(exponent);
        return b.append('e').append(exponent < 0 ? '-' : '+').append(e < 10 ? "0" : "").append(e).toString();
    }

    /** The fewest significant digits that read back as the value (Java 17's toString is not always that short). */
    private static BigDecimal shortest(double value, boolean single) {
        BigDecimal exact = new BigDecimal(value);
        for (int precision = 1; precision < 17; precision++) {
            BigDecimal r = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (single ? r.floatValue() == (float) value : r.doubleValue() == value) {
                return r;
            }
        }
        return exact.round(new MathContext(17, RoundingMode.HALF_EVEN));
    }

    /** {@code 2026-12-03}; years before 1 as the server writes them, {@code 0044-03-15 BC}. */
    private static String date(LocalDate d, String timePart) {
        int year = d.getYear();
        boolean bc = year <= 0;
        StringBuilder b = new StringBuilder(32);
        String y = Integer.toString(bc ? 1 - year : year);
        b.append("0".repeat(Math.max(0, 4 - y.length()))).append(y).append('-');
        two(b, d.getMonthValue()).append('-');
        two(b, d.getDayOfMonth()).append(timePart);
        return bc ? b.append(" BC").toString() : b.toString();
    }

    /** {@code 10:50:01}, with the fraction's trailing zeros left out ({@code 10:50:01.5}). */
    private static String time(LocalTime t) {
        StringBuilder b = new StringBuilder(15);
        two(b, t.getHour()).append(':');
        two(b, t.getMinute()).append(':');
        two(b, t.getSecond());
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            String f = Integer.toString(1_000_000 + micros).substring(1);
            int end = f.length();
            while (f.charAt(end - 1) == '0') {
                end--;
            }
            b.append('.').append(f, 0, end);
        }
        return b.toString();
    }

    /** {@code +00}, {@code +05:30}, {@code -00:09:21}. */
    private static String offset(ZoneOffset o) {
        int total = o.getTotalSeconds();
        StringBuilder b = new StringBuilder(9).append(total < 0 ? '-' : '+');
        int abs = Math.abs(total);
        two(b, abs / 3600);
        if (abs % 3600 != 0) {
            two(b.append(':'), abs / 60 % 60);
            if (abs % 60 != 0) {
                two(b.append(':'), abs % 60);
            }
        }
        return b.toString();
    }

    private static StringBuilder two(StringBuilder b, int n) {
        return b.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
    }

    private static String hex(byte[] bytes) {
        StringBuilder b = new StringBuilder(2 + 2 * bytes.length).append("\\x");
        for (byte x : bytes) {
            b.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return b.toString();
    }
}
