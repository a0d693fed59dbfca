package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ValidationDepth;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What becomes of the {@code spring.r2dbc.pool.*} keys an application kept from r2dbc-pool, whose pool Spring Boot
 * no longer builds: a key that means the same as a {@code tidepool.*} property is read as that property; a key that
 * has no equivalent fails the start with a message naming it and what to do instead. Spring Boot's defaults of these
 * keys are never read (only keys the application set), since they differ from Tidepool's on purpose.
 */
final class R2dbcPoolKeys {

    static final String PREFIX = "spring.r2dbc.pool.";

    /** A key that maps to a Tidepool option: its Spring Boot name, its Tidepool option and property, its type. */
    record Mapped(String key, String option, String property, Class<?> type) {
    }

    static final List<Mapped> MAPPED = List.of(
            new Mapped("initial-size", "initialSize", "tidepool.initial-size", Integer.class),
            new Mapped("max-size", "maxSize", "tidepool.max-size", Integer.class),
            new Mapped("min-idle", "minIdle", "tidepool.min-idle", Integer.class),
            new Mapped("max-acquire-time", "acquireTimeout", "tidepool.acquire-timeout", Duration.class),
            new Mapped("max-create-connection-time", "createTimeout", "tidepool.create-timeout", Duration.class),
            new Mapped("max-idle-time", "maxIdleTime", "tidepool.max-idle-time", Duration.class),
            new Mapped("max-life-time", "maxLifetime", "tidepool.max-lifetime", Duration.class),
            new Mapped("max-validation-time", "validationTimeout", "tidepool.validation-timeout", Duration.class),
            new Mapped("validation-query", "validationQuery", "tidepool.validation-query", String.class),
            new Mapped("validation-depth", "validationDepth", "tidepool.validation-depth", ValidationDepth.class));

    /** The options read from mapped keys, by Tidepool option name, and the keys read, for the log. */
    record Result(Map<String, String> options, List<String> read) {
    }

    private R2dbcPoolKeys() {
    }

    /**
     * Reads the application's {@code spring.r2dbc.pool.*} keys.
     *
     * @param binder the application's properties
     * @param tidepool the {@code tidepool.*} options that are set, by Tidepool option name
     * @throws IllegalStateException naming every key that has no equivalent, or that disagrees with the
     *         {@code tidepool.*} property set for the same option
     */
    static Result read(Binder binder, Map<String, String> tidepool) {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> read = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Mapped mapped : MAPPED) {
            @Nullable Object value = binder.bind(PREFIX + mapped.key(), Bindable.of(mapped.type())).orElse(null);
            if (value == null) {
                continue;
            }
            String text = value.toString();
            String set = tidepool.get(mapped.option());
            if (set != null && !set.equals(text)) {
                problems.add(PREFIX + mapped.key() + "=" + text + " disagrees with " + mapped.property() + "=" + set
                        + ": remove " + PREFIX + mapped.key());
            } else {
                options.put(mapped.option(), text);
                read.add(PREFIX + mapped.key() + " as " + mapped.property());
            }
        }
        binder.bind(PREFIX + "acquire-retry", Bindable.of(Integer.class)).ifBound(retries -> problems.add(
                PREFIX + "acquire-retry=" + retries + " has no tidepool.* equivalent: Tidepool does not retry a failed"
                        + " acquire, it replaces a connection that fails validation within tidepool.acquire-timeout;"
                        + " remove the key (to retry idempotent work, use a RetryPolicy in code)"));
        binder.bind(PREFIX + "enabled", Bindable.of(Boolean.class)).ifBound(enabled -> {
            if (!enabled) {
                problems.add(PREFIX + "enabled=false would turn off a pool Spring Boot no longer builds: set"
                        + " tidepool.enabled=false to do without Tidepool's pool, and remove the key");
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Tidepool is the application's connection pool, and these "
                    + "spring.r2dbc.pool.* keys (r2dbc-pool's) cannot be honoured:\n  - "
                    + String.join("\n  - ", problems));
        }
        return new Result(options, read);
    }
}
