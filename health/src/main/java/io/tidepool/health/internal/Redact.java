package io.tidepool.health.internal;

import org.jspecify.annotations.Nullable;

import java.util.regex.Pattern;

/**
 * Keeps secrets out of what health reports show: any URL is cut down to its {@code host:port} (no scheme, user,
 * password, database or options), and any {@code password=} option is masked. Messages are also cut to a bounded
 * length.
 */
public final class Redact {

    private static final int MAX_LENGTH = 300;
    private static final Pattern URL = Pattern.compile("(?i)\\b[a-z][a-z0-9+.:-]*://(?:[^@/\\s]*@)?([^/\\s?#,;'\"]+)[^\\s,;'\"]*");
    private static final Pattern QUERY_SECRET = Pattern.compile("(?i)(password\\s*[=:]\\s*)[^&\\s,;)}]*");

    private Redact() {
    }

    /** {@code message} without passwords, at most 300 characters; {@code ""} for {@code null}. */
    public static String message(@Nullable String message) {
        if (message == null) {
            return "";
        }
        String clean = URL.matcher(message).replaceAll("$1");
        clean = QUERY_SECRET.matcher(clean).replaceAll("$1***");
        return clean.length() <= MAX_LENGTH ? clean : clean.substring(0, MAX_LENGTH) + "...";
    }

    /** The message of {@code error}, or its type when it has none, without passwords. */
    public static String of(Throwable error) {
        String message = error.getMessage();
        return message(message == null || message.isBlank() ? error.getClass().getSimpleName() : message);
    }
}
