package io.tidepool.health.internal;

import io.tidepool.error.Redaction;
import org.jspecify.annotations.Nullable;


/**
 * What health reports show of a message: core's {@link Redaction#urlsToHosts} (every URL cut to its {@code host:port},
 * every password masked), cut to a bounded length.
 */
public final class Redact {

    private static final int MAX_LENGTH = 300;

    private Redact() {
    }

    /** {@code message} without passwords, at most 300 characters; {@code ""} for {@code null}. */
    public static String message(@Nullable String message) {
        String clean = Redaction.urlsToHosts(message);
        return clean.length() <= MAX_LENGTH ? clean : clean.substring(0, MAX_LENGTH) + "...";
    }

    /** The message of {@code error}, or its type when it has none, without passwords. */
    public static String of(Throwable error) {
        String message = error.getMessage();
        return message(message == null || message.isBlank() ? error.getClass().getSimpleName() : message);
    }
}
