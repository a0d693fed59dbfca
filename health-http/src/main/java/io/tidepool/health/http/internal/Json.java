package io.tidepool.health.http.internal;

/**
 * A minimal JSON writer: objects, arrays, strings, numbers, booleans. Enough for health reports, so the module needs
 * no JSON library. Not thread-safe; one per document.
 */
public final class Json {

    private final StringBuilder out = new StringBuilder(512);
    private boolean first = true;

    /** Starts an object, as a value or under {@code name} when inside an object. */
    public Json beginObject(String name) {
        key(name).append('{');
        first = true;
        return this;
    }

    /** Starts a top-level object or an object element of an array. */
    public Json beginObject() {
        separator().append('{');
        first = true;
        return this;
    }

    /** Ends the current object. */
    public Json endObject() {
        out.append('}');
        first = false;
        return this;
    }

    /** Starts an array under {@code name}. */
    public Json beginArray(String name) {
        key(name).append('[');
        first = true;
        return this;
    }

    /** Ends the current array. */
    public Json endArray() {
        out.append(']');
        first = false;
        return this;
    }

    /** A string element of an array. */
    public Json value(String value) {
        quote(separator(), value);
        return this;
    }

    /** An integer element of an array. */
    public Json value(long value) {
        separator().append(value);
        return this;
    }

    /** A string member. */
    public Json field(String name, String value) {
        quote(key(name), value);
        return this;
    }

    /** An integer member. */
    public Json field(String name, long value) {
        key(name).append(value);
        return this;
    }

    /** A number member; non-finite numbers are written as {@code null}. */
    public Json field(String name, double value) {
        StringBuilder b = key(name);
        if (Double.isFinite(value)) {
            b.append(Math.round(value * 1000) / 1000.0);
        } else {
            b.append("null");
        }
        return this;
    }

    /** A boolean member. */
    public Json field(String name, boolean value) {
        key(name).append(value);
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private StringBuilder key(String name) {
        quote(separator(), name).append(':');
        return out;
    }

    private StringBuilder separator() {
        if (!first) {
            out.append(',');
        }
        first = false;
        return out;
    }

    private StringBuilder quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }
}
