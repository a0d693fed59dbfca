package io.tidepool.pg.internal;

import io.tidepool.pg.PgServerError;
import org.jspecify.annotations.Nullable;

import java.io.Serializable;
import java.util.Map;

/** The fields of one ErrorResponse or NoticeResponse, by their one-byte codes. */
final class ServerErrorFields implements PgServerError, Serializable {

    private static final long serialVersionUID = 1L;

    private final Map<Character, String> fields;

    ServerErrorFields(Map<Character, String> fields) {
        this.fields = fields;
    }

    /** Reads the (code, string) pairs up to the terminating zero byte. */
    static ServerErrorFields read(BackendMessage m) {
        Map<Character, String> fields = new java.util.HashMap<>(16);
        while (true) {
            byte code = m.readByte();
            if (code == 0) {
                break;
            }
            fields.put((char) code, m.readCString());
        }
        m.expectEnd();
        return new ServerErrorFields(fields);
    }

    /**
     * These fields with the error's position (1-based, in characters) moved back by {@code prefix} characters: the
     * caller's text was sent behind a prefix of its own ({@code BEGIN;}). A position inside the prefix stays.
     */
    ServerErrorFields withoutPrefix(int prefix) {
        String p = get('P');
        if (p == null) {
            return this;
        }
        int at;
        try {
            at = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            return this;
        }
        if (at <= prefix) {
            return this;
        }
        Map<Character, String> shifted = new java.util.HashMap<>(fields);
        shifted.put('P', Integer.toString(at - prefix));
        return new ServerErrorFields(shifted);
    }

    private @Nullable String get(char code) {
        return fields.get(code);
    }

    /** True for ERROR, FATAL and PANIC; false for the notice severities. */
    boolean isError() {
        String s = severity();
        return s.equals("ERROR") || s.equals("FATAL") || s.equals("PANIC");
    }

    @Override
    public String severity() {
        // 'V' is the unlocalized severity (9.6+); 'S' may be localized
        String v = get('V');
        if (v == null) {
            v = get('S');
        }
        return v == null ? "ERROR" : v;
    }

    @Override
    public String code() {
        String c = get('C');
        return c == null ? "XX000" : c;
    }

    @Override
    public String message() {
        String m = get('M');
        return m == null ? "(no message)" : m;
    }

    @Override
    public @Nullable String detail() {
        return get('D');
    }

    @Override
    public @Nullable String hint() {
        return get('H');
    }

    @Override
    public @Nullable String position() {
        return get('P');
    }

    @Override
    public @Nullable String internalPosition() {
        return get('p');
    }

    @Override
    public @Nullable String internalQuery() {
        return get('q');
    }

    @Override
    public @Nullable String where() {
        return get('W');
    }

    @Override
    public @Nullable String schema() {
        return get('s');
    }

    @Override
    public @Nullable String table() {
        return get('t');
    }

    @Override
    public @Nullable String column() {
        return get('c');
    }

    @Override
    public @Nullable String dataType() {
        return get('d');
    }

    @Override
    public @Nullable String constraint() {
        return get('n');
    }

    @Override
    public @Nullable String file() {
        return get('F');
    }

    @Override
    public @Nullable String line() {
        return get('L');
    }

    @Override
    public @Nullable String routine() {
        return get('R');
    }

    @Override
    public String toString() {
        return severity() + " " + code() + ": " + message();
    }
}
