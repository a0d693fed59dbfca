package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL arrays of any dimension: read from either wire format into Java arrays of the element type's Java type
 * ({@code int4[][]} into {@code Integer[][]}), and written as the text literal a bound Java array is sent as.
 */
final class PgArrays {

    /** The server's own bound (MAXDIM): deeper input is malformed. */
    private static final int MAX_DIMENSIONS = 6;

    private PgArrays() {
    }

    /**
     * Whether values of {@code c} are SQL arrays (or a level of one): any Java array but {@code byte[]}, which is one
     * {@code bytea} value.
     */
    static boolean isArrayValue(Class<?> c) {
        return c.isArray() && c != byte[].class;
    }

    /** Whether {@code value} is an SQL array (or a level of one), as {@link #isArrayValue(Class)} says of its class. */
    static boolean isArrayValue(Object value) {
        return isArrayValue(value.getClass());
    }

    /** The binary form: dimensions, a null flag, the element OID, each dimension's size and lower bound, elements. */
    static Object decodeBinary(byte[] d, int offset, int length, PgType arrayType) {
        ByteBuffer b = ByteBuffer.wrap(d, offset, length);
        int dimensions = b.getInt();
        b.getInt(); // has-null flag
        b.getInt(); // element OID: the column's type already names it
        PgType element = arrayType.element();
        if (dimensions == 0) {
            return Array.newInstance(element.getJavaType(), 0);
        }
        int[] sizes = sizes(b, dimensions);
        Object out = Array.newInstance(element.getJavaType(), sizes);
        fillBinary(out, 1, dimensions, b, d, element);
        return out;
    }

    private static int[] sizes(ByteBuffer b, int dimensions) {
        if (dimensions < 0 || dimensions > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("an array of " + dimensions + " dimensions");
        }
        int[] sizes = new int[dimensions];
        long elements = 1;
        for (int i = 0; i < dimensions; i++) {
            sizes[i] = b.getInt();
            b.getInt(); // lower bound: Java arrays start at 0 whatever the server's start
            // the server sends an empty array as 0 dimensions, never as a dimension of size 0
            if (sizes[i] <= 0) {
                throw new IllegalArgumentException("an array dimension of size " + sizes[i]);
            }
            elements *= sizes[i];
            // every element takes at least its 4-byte length: a count the message cannot hold is not allocated
            // (checked at each dimension, so that the product cannot overflow)
            if (elements > b.remaining() / 4) {
                throw new IllegalArgumentException("an array of " + elements + " elements in " + b.remaining()
                        + " bytes");
            }
        }
        return sizes;
    }

    private static void fillBinary(Object array, int depth, int dimensions, ByteBuffer b, byte[] d, PgType element) {
        int n = Array.getLength(array);
        for (int i = 0; i < n; i++) {
            if (depth < dimensions) {
                fillBinary(Array.get(array, i), depth + 1, dimensions, b, d, element);
                continue;
            }
            int length = b.getInt();
            if (length < 0) {
                continue; // SQL NULL
            }
            if (length > b.remaining()) {
                throw new IllegalArgumentException("an array element of " + length + " bytes, " + b.remaining()
                        + " left");
            }
            set(array, i, ValueDecoder.decodeBinary(d, b.position(), length, element), element);
            b.position(b.position() + length);
        }
    }

    /** The text form ({@code {{1,2},{3,NULL}}}, {@code {"a b","c\"d"}}, optionally after {@code [0:1]=}). */
    static Object decodeText(String s, PgType arrayType) {
        PgType element = arrayType.element();
        int start = s.startsWith("[") ? s.indexOf('=') + 1 : 0;
        TextParser parser = new TextParser(s, start);
        List<@Nullable Object> top = parser.list(1);
        if (parser.at != s.length()) {
            throw new IllegalArgumentException("text after the array's end: " + s);
        }
        if (top.isEmpty()) {
            return Array.newInstance(element.getJavaType(), 0);
        }
        List<Integer> sizes = new ArrayList<>();
        for (Object level = top; level instanceof List; level = ((List<?>) level).get(0)) {
            sizes.add(((List<?>) level).size());
        }
        Object out = Array.newInstance(element.getJavaType(), sizes.stream().mapToInt(Integer::intValue).toArray());
        fillText(out, top, element);
        return out;
    }

    private static void fillText(Object array, List<@Nullable Object> items, PgType element) {
        if (items.size() != Array.getLength(array)) {
            throw new IllegalArgumentException("a multidimensional array whose sub-arrays differ in size");
        }
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            boolean nested = isArrayValue(array.getClass().getComponentType());
            if (nested != item instanceof List) {
                throw new IllegalArgumentException("a multidimensional array whose sub-arrays differ in depth");
            }
            if (nested) {
                @SuppressWarnings("unchecked")
                List<@Nullable Object> sub = (List<@Nullable Object>) item;
                fillText(Array.get(array, i), sub, element);
            } else if (item != null) {
                set(array, i, ValueDecoder.decodeText((String) item, element), element);
            }
        }
    }

    private static void set(Object array, int i, Object value, PgType element) {
        Class<?> component = array.getClass().getComponentType();
        if (!component.isInstance(value)) {
            // numeric's NaN, which no BigDecimal holds
            throw new IllegalArgumentException("a " + element.getName() + " element " + value + " is no "
                    + component.getSimpleName() + " (select the array as text[] to read it)");
        }
        Array.set(array, i, value);
    }

    /** A recursive-descent reader of array_out's output: each level a list, each element a String or null. */
    private static final class TextParser {
        private final String s;
        private int at;

        TextParser(String s, int at) {
            this.s = s;
            this.at = at;
        }

        List<@Nullable Object> list(int depth) {
            if (depth > MAX_DIMENSIONS) {
                throw new IllegalArgumentException("an array of more than " + MAX_DIMENSIONS + " dimensions: " + s);
            }
            expect('{');
            List<@Nullable Object> out = new ArrayList<>();
            if (peek() == '}') {
                at++;
                return out;
            }
            while (true) {
                char c = peek();
                out.add(c == '{' ? list(depth + 1) : c == '"' ? quoted() : bare());
                char next = peek();
                at++;
                if (next == '}') {
                    return out;
                }
                if (next != ',') {
                    throw new IllegalArgumentException("expected ',' or '}' at " + (at - 1) + " in " + s);
                }
            }
        }

        private String quoted() {
            at++; // the opening quote
            StringBuilder b = new StringBuilder();
            while (peek() != '"') {
                if (s.charAt(at) == '\\') {
                    at++;
                    peek();
                }
                b.append(s.charAt(at++));
            }
            at++; // the closing quote
            return b.toString();
        }

        private @Nullable String bare() {
            int from = at;
            while (peek() != ',' && s.charAt(at) != '}') {
                at++;
            }
            String e = s.substring(from, at);
            return e.equalsIgnoreCase("NULL") ? null : e;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + at + " in " + s);
            }
            at++;
        }

        private char peek() {
            if (at >= s.length()) {
                throw new IllegalArgumentException("the array literal ends early: " + s);
            }
            return s.charAt(at);
        }
    }

    /**
     * The array literal of a Java array (of any dimension, boxed or primitive elements), elements quoted where
     * array_in needs it: the form a bound array is sent in and an array column is read as a String in.
     */
    static String literal(Object array) {
        StringBuilder b = new StringBuilder();
        append(b, array);
        return b.toString();
    }

    private static void append(StringBuilder b, Object array) {
        b.append('{');
        int n = Array.getLength(array);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(',');
            }
            Object e = Array.get(array, i);
            if (e == null) {
                b.append("NULL");
            } else if (isArrayValue(e)) {
                append(b, e);
            } else {
                appendElement(b, TextForm.of(e));
            }
        }
        b.append('}');
    }

    private static void appendElement(StringBuilder b, String text) {
        if (!needsQuotes(text)) {
            b.append(text);
            return;
        }
        b.append('"');
        for (int j = 0; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }

    private static boolean needsQuotes(String text) {
        if (text.isEmpty() || text.equalsIgnoreCase("NULL")) {
            return true;
        }
        for (int j = 0; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || Character.isWhitespace(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The OID a Java array of {@code arrayClass} is bound as: the array type of its innermost component (for an
     * {@code Object[]}, of its first element that is not null); strings' arrays go as {@code text[]}, which the server
     * casts on assignment to {@code varchar[]}; an enum's array leaves the type to the server, as an enum does.
     */
    static int bindOid(Class<?> arrayClass, @Nullable Object array) {
        Class<?> leaf = arrayClass;
        while (isArrayValue(leaf)) {
            leaf = leaf.getComponentType();
        }
        if (leaf == Object.class && array != null) {
            Object first = firstElement(array);
            leaf = first == null ? Object.class : first.getClass();
        }
        if (Enum.class.isAssignableFrom(leaf)) {
            return BindEncoder.UNSPECIFIED; // a user-defined enum's array: its type is the column's
        }
        int elementOid = leaf == String.class ? PgType.TEXT.oid : BindEncoder.scalarOid(ValueDecoder.box(leaf));
        PgType type = elementOid == BindEncoder.UNSPECIFIED ? null : PgType.arrayOf(PgType.of(elementOid));
        if (type == null) {
            throw new IllegalArgumentException("cannot bind an array of " + leaf.getName() + ": the native client"
                    + " binds arrays of the types it binds alone (numbers, Boolean, String, byte[], ByteBuffer, UUID,"
                    + " dates and times, enums)");
        }
        return type.oid;
    }

    private static @Nullable Object firstElement(Object array) {
        for (int i = 0; i < Array.getLength(array); i++) {
            Object e = Array.get(array, i);
            Object leaf = e != null && isArrayValue(e) ? firstElement(e) : e;
            if (leaf != null) {
                return leaf;
            }
        }
        return null;
    }

    /**
     * {@code value}, an array, as an array of {@code target}'s component type (of the same dimensions), each element
     * converted as a column would be ({@code Integer[]} into {@code long[]} or {@code String[]}); {@code null} when
     * the dimensions differ.
     */
    static @Nullable Object convert(Object value, Class<?> target, String column) {
        Class<?> component = target.getComponentType();
        int n = Array.getLength(value);
        Object out = Array.newInstance(component, n);
        for (int i = 0; i < n; i++) {
            Object e = Array.get(value, i);
            if (e == null) {
                if (component.isPrimitive()) {
                    throw new IllegalArgumentException("column '" + column + "' holds a NULL element, which "
                            + target.getSimpleName() + " cannot hold");
                }
                continue;
            }
            boolean nested = isArrayValue(e);
            if (nested != isArrayValue(component)) {
                return null;
            }
            Object converted = nested ? convert(e, component, column) : ValueDecoder.convert(e, component, column);
            if (converted == null) {
                return null;
            }
            Array.set(out, i, converted);
        }
        return out;
    }
}
