package io.tidepool.internal;

import io.r2dbc.spi.ConnectionFactoryOptions;

import java.util.regex.Pattern;

/** Keeps passwords out of every message: URLs and options are described without them. */
public final class Redaction {

    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(://[^:/@?#]*):[^@/?#]*@");
    private static final Pattern QUERY_SECRET = Pattern.compile("(?i)([?&](?:password|sslPassword)=)[^&]*");

    private Redaction() {
    }

    /** The URL with any password replaced by {@code ***}. */
    public static String redactUrl(String url) {
        String withoutUserInfo = USER_INFO_PASSWORD.matcher(url).replaceAll("$1:***@");
        return QUERY_SECRET.matcher(withoutUserInfo).replaceAll("$1***");
    }

    /** {@code postgresql://user@host:port/database} from driver options, never a password. */
    public static String describe(ConnectionFactoryOptions options) {
        Object user = options.getValue(ConnectionFactoryOptions.USER);
        Object host = options.getValue(ConnectionFactoryOptions.HOST);
        Object port = options.getValue(ConnectionFactoryOptions.PORT);
        Object database = options.getValue(ConnectionFactoryOptions.DATABASE);
        return "postgresql://" + (user == null ? "" : user + "@") + (host == null ? "localhost" : host)
                + (port == null ? "" : ":" + port) + "/" + (database == null ? "" : database);
    }
}
