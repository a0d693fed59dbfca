package io.tidepool.pg.internal;

/**
 * Counts the {@code $n} placeholders of a statement (the highest n), skipping string literals, quoted identifiers,
 * comments and dollar-quoted bodies. Done once per {@code createStatement}.
 */
final class SqlParameters {

    private SqlParameters() {
    }

    static int count(String sql) {
        int max = 0;
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipQuoted(sql, i, c);
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int nl = sql.indexOf('\n', i);
                i = nl < 0 ? n : nl + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '$') {
                int j = i + 1;
                if (j < n && Character.isDigit(sql.charAt(j))) {
                    int v = 0;
                    while (j < n && Character.isDigit(sql.charAt(j))) {
                        v = v * 10 + (sql.charAt(j) - '0');
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
        return max;
    }

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
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
}
