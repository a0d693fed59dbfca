package io.tidepool;

import io.r2dbc.spi.ConnectionFactoryOptions;

import java.util.regex.Pattern;

/** Keeps passwords out of every message: URLs and options are described without them. */
final class Redaction {

    private static final Pattern QUERY_SECRET = Pattern.compile("(?i)([?&](?:password|sslPassword)=)[^&]*");

    private Redaction() {
    }

    /**
     * The URL with any password replaced by {@code ***}. The user info is taken to end at the URL's last {@code @}, so
     * that a password holding an unencoded {@code /}, {@code ?}, {@code #} or {@code @} is masked whole; an {@code @}
     * in the query string then masks more than the password, never less.
     */
    static String redactUrl(String url) {
        return QUERY_SECRET.matcher(redactUserInfo(url)).replaceAll("$1***");
    }

    private static String redactUserInfo(String url) {
        int start = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (start < 0 || at < start + 3) {
            return url;
        }
        int colon = url.indexOf(':', start + 3);
        if (colon < 0 || colon > at) {
            return url;
        }
        return url.substring(0, colon) + ":***" + url.substring(at);
    }

    /** {@code postgresql://user@host:port/database} from driver options, never a password. */
    static String describe(ConnectionFactoryOptions options) {
        Object user = options.getValue(ConnectionFactoryOptions.USER);
        Object host = options.getValue(ConnectionFactoryOptions.HOST);
        Object port = options.getValue(ConnectionFactoryOptions.PORT);
        Object database = options.getValue(ConnectionFactoryOptions.DATABASE);
        return "postgresql://" + (user == null ? "" : user + "@") + (host == null ? "localhost" : host)
                + (port == null ? "" : ":" + port) + "/" + (database == null ? "" : database);
    }
}
