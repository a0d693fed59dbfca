package io.tidepool.pg.internal;

/**
 * Reads a statement's shape: its {@code $n} placeholders (the highest n) and whether it holds more than one statement
 * (a {@code ;} followed by more SQL), skipping string literals (in {@code E'...'} a backslash escapes a quote), quoted
 * identifiers, identifiers (a {@code $} in one, as in {@code a$1}, is part of it), comments and dollar-quoted bodies.
 * Done once per {@code createStatement}.
 */
final class SqlParameters {

    private SqlParameters() {
    }

    /**
     * What one scan of a statement's text found.
     *
     * @param count the highest {@code $n} placeholder, 0 when there is none
     * @param single whether the text is exactly one statement (trailing semicolons, blanks and comments allowed):
     *               only one statement can be prepared, and text with none is left to the simple protocol
     */
    record Shape(int count, boolean single) {
    }

    static Shape shape(String sql) {
        int max = 0;
        boolean ended = false;
        boolean content = false;
        boolean single = true;
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int nl = sql.indexOf('\n', i);
                i = nl < 0 ? n : nl + 1;
                continue;
            }
            if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                continue;
            }
            if (c == ';') {
                ended = true;
                i++;
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (ended) {
                // SQL after a semicolon: a second statement
                single = false;
            }
            content = true;
            if (c == '\'' || c == '"') {
                i = skipQuoted(sql, i, c);
            } else if (isIdentifierStart(c)) {
                // a whole word at once: a $ inside it (a$1) belongs to the identifier, it is no placeholder
                int j = i + 1;
                while (j < n && (isIdentifierChar(sql.charAt(j)) || sql.charAt(j) == '$')) {
                    j++;
                }
                boolean escapeString = j == i + 1 && (c == 'E' || c == 'e') && j < n && sql.charAt(j) == '\'';
                i = escapeString ? skipEscapeString(sql, j) : j;
            } else if (c == '$') {
                int j = i + 1;
                if (j < n && isAsciiDigit(sql.charAt(j))) {
                    int v = 0;
                    while (j < n && isAsciiDigit(sql.charAt(j))) {
                        // saturated, so that $99999999999 is refused as too many parameters instead of wrapping
                        v = (int) Math.min(Integer.MAX_VALUE, v * 10L + (sql.charAt(j) - '0'));
                        j++;
                    }
                    max = Math.max(max, v);
                    i = j;
                } else {
                    // $tag$ ... $tag$ (tag may be empty)
                    while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
                        j++;
                    }
                    if (j < n && sql.charAt(j) == '$' && (i == 0 || !isIdentifierChar(sql.charAt(i - 1)))) {
                        String tag = sql.substring(i, j + 1);
                        int end = sql.indexOf(tag, j + 1);
                        i = end < 0 ? n : end + tag.length();
                    } else {
                        i = i + 1;
                    }
                }
            } else {
                i++;
            }
        }
        return new Shape(max, single && content);
    }

    /** As PostgreSQL's lexer: a letter, an underscore or any non-ASCII character starts an identifier. */
    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c > 0x7F;
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c > 0x7F;
    }

    private static int skipQuoted(String sql, int start, char quote) {
        int i = start + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2; // doubled quote
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return i;
    }

    /** An {@code E'...'} string from its quote: a backslash escapes the next character, a quote too. */
    private static int skipEscapeString(String sql, int quote) {
        int i = quote + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\\') {
                i += 2; // the escaped character, which may be a quote
            } else if (c != '\'') {
                i++;
            } else if (i + 1 < sql.length() && sql.charAt(i + 1) == '\'') {
                i += 2; // doubled quote
            } else {
                return i + 1;
            }
        }
        return sql.length();
    }
}
