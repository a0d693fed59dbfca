package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;

/** Parses the text form of a one-dimensional array ({@code {1,NULL,"a b"}}) into its elements. */
final class TextArrays {

    private TextArrays() {
    }

    static List<@Nullable String> parse(String s) {
        int start = s.indexOf('{');
        if (start < 0 || !s.endsWith("}")) {
            throw new IllegalArgumentException("not an array literal: " + s);
        }
        List<@Nullable String> out = new ArrayList<>();
        int i = start + 1;
        int end = s.length() - 1;
        if (i == end) {
            return out;
        }
        while (i <= end) {
            if (s.charAt(i) == '{') {
                throw new IllegalArgumentException("only one-dimensional arrays are supported");
            }
            if (s.charAt(i) == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                    b.append(s.charAt(i));
                    i++;
                }
                out.add(b.toString());
                i++; // closing quote
            } else {
                int j = i;
                while (j < end && s.charAt(j) != ',') {
                    j++;
                }
                String e = s.substring(i, j);
                out.add(e.equals("NULL") ? null : e);
                i = j;
            }
            i++; // the comma or the closing brace
        }
        return out;
    }
}
