package io.tidepool.error;

import org.jspecify.annotations.Nullable;

import java.util.regex.Pattern;

/**
 * Keeps passwords out of text that people read: the one set of rules Tidepool's own messages and its health reports
 * use. A URL's user-info password is masked up to the URL's last {@code @}, so that a password holding an unencoded
 * {@code /}, {@code ?}, {@code #} or {@code @} is masked whole (an {@code @} later in the URL then masks more than
 * the password, never less), and any {@code password=} or {@code sslPassword=} value is masked.
 */
public final class Redaction {

    private static final Pattern USER_INFO_PASSWORD =
            Pattern.compile("(\\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\\s]*):\\S*@");
    private static final Pattern URL =
            Pattern.compile("(?i)\\b[a-z][a-z0-9+.:-]*://(?:\\S*@)?([^/\\s?#,;'\"]+)[^\\s,;'\"]*");
    private static final Pattern PASSWORD_OPTION =
            Pattern.compile("(?i)\\b((?:ssl)?password\\s*[=:]\\s*)[^&\\s,;)}'\"]*");

    private Redaction() {
    }

    /** {@code text} with every password masked as {@code ***}; URLs are kept otherwise. */
    public static String passwordsMasked(@Nullable String text) {
        if (text == null) {
            return "";
        }
        return PASSWORD_OPTION.matcher(USER_INFO_PASSWORD.matcher(text).replaceAll("$1:***@")).replaceAll("$1***");
    }

    /**
     * {@code text} with every URL cut down to its {@code host:port} (no scheme, user, password, database or options)
     * and every other password masked: for reports that need to say where, not as whom.
     */
    public static String urlsToHosts(@Nullable String text) {
        if (text == null) {
            return "";
        }
        return PASSWORD_OPTION.matcher(URL.matcher(text).replaceAll("$1")).replaceAll("$1***");
    }
}
