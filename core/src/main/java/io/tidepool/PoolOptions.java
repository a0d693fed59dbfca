package io.tidepool;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import io.r2dbc.spi.ValidationDepth;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pool's options as they appear in an R2DBC URL or {@link ConnectionFactoryOptions}: each with its Tidepool
 * name, the r2dbc-pool name it also answers to, and the builder setter it goes through, so that a URL, the
 * {@code tidepool} driver and the builder share one set of rules and messages.
 */
final class PoolOptions {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PoolOptions.class);

    /** The R2DBC driver name of the pool: {@code r2dbc:tidepool:postgresql://...}. */
    static final String DRIVER = PoolConfiguration.R2DBC_DRIVER;

    private static final String POSTGRESQL = "postgresql";
    private static final String R2DBC_POOL_DRIVER = "pool";
    private static final String DISABLED = "disabled";
    private static final Option<String> APPLICATION_NAME = Option.valueOf("applicationName");
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    /** A bare IPv6 address: hex groups, at least two colons, maybe an IPv4 tail and a zone. */
    private static final Pattern IPV6_LITERAL = Pattern.compile("(?=(?:[^:]*:){2})[0-9A-Fa-f:.]+(%[\\w.]+)?");
    private static final Pattern QUERY_KEY = Pattern.compile("[?&]([^=&]+)=");
    /** A URL key this close to a pool option's name, and at least this long, is taken for a misspelling of it. */
    private static final int TYPO_MAX_EDITS = 2;
    private static final int TYPO_MIN_LENGTH = 6;
    /**
     * The keys r2dbc-postgresql, the native client and R2DBC itself read: never taken for a misspelt pool option.
     */
    static final java.util.Set<String> DRIVER_KEYS = java.util.Set.of(
            // R2DBC
            "driver", "protocol", "user", "password", "host", "port", "database", "ssl", "connectTimeout",
            "statementTimeout", "lockWaitTimeout",
            // r2dbc-postgresql 1.1
            "applicationName", "autodetectExtensions", "channelBinding", "channel_binding", "compatibilityMode",
            "errorResponseLogLevel", "extensions", "fetchSize", "forceBinary", "hostRecheckTime", "loadBalanceHosts",
            "loopResources", "maxMessageSize", "noticeLogLevel", "options", "preferAttachedBuffers",
            "preparedStatementCacheQueries", "schema", "currentSchema", "socket", "sslContextBuilderCustomizer",
            "sslCert", "sslHostnameVerifier", "sslKey", "sslMode", "sslmode", "sslNegotiation", "sslnegotiation",
            "sslPassword", "sslRootCert", "sslSni", "targetServerType", "tcpKeepAlive", "tcpNoDelay", "timeZone",
            // the native client
            "statementCacheSize", "pipelineLimit", "tcpKeepAliveIdle", "tcpKeepAliveInterval", "tcpKeepAliveCount",
            "tcpUserTimeout");

    /** One pool option. */
    record Spec(String name, @Nullable String r2dbcPoolAlias, BiConsumer<PoolConfiguration.Builder, Object> setter,
                String description) {
    }

    static final List<Spec> SPECS = List.of(
            new Spec("name", "poolName", (b, v) -> b.name(text("name", v)), "the pool's name"),
            new Spec("maxSize", null, (b, v) -> b.maxSize(integer("maxSize", v)), "most connections"),
            new Spec("minIdle", null, (b, v) -> b.minIdle(integer("minIdle", v)), "idle connections kept"),
            new Spec("initialSize", null, (b, v) -> b.initialSize(integer("initialSize", v)),
                    "connections opened by start()"),
            new Spec("maxPendingAcquires", null, (b, v) -> b.maxPendingAcquires(integer("maxPendingAcquires", v)),
                    "callers allowed to wait"),
            new Spec("acquireTimeout", "maxAcquireTime", (b, v) -> b.acquireTimeout(duration("acquireTimeout", v)),
                    "most an acquire waits"),
            new Spec("createTimeout", "maxCreateConnectionTime",
                    (b, v) -> b.createTimeout(duration("createTimeout", v)), "most opening a connection takes"),
            new Spec("validateAfterIdle", null, (b, v) -> durationOrDisabled(b, "validateAfterIdle", v,
                    PoolConfiguration.Builder::validateAfterIdle, PoolConfiguration.Builder::validationDisabled),
                    "validate connections idle longer than this"),
            new Spec("validationDepth", null, (b, v) -> b.validationDepth(depth(v)), "LOCAL or REMOTE"),
            new Spec("validationQuery", null, (b, v) -> b.validationQuery(text("validationQuery", v)),
                    "query to validate with"),
            new Spec("validationTimeout", "maxValidationTime",
                    (b, v) -> b.validationTimeout(duration("validationTimeout", v)), "most a validation takes"),
            new Spec("maxIdleTime", null, (b, v) -> durationOrDisabled(b, "maxIdleTime", v,
                    PoolConfiguration.Builder::maxIdleTime, PoolConfiguration.Builder::idleEvictionDisabled),
                    "idle time before eviction"),
            new Spec("maxLifetime", "maxLifeTime", (b, v) -> durationOrDisabled(b, "maxLifetime", v,
                    PoolConfiguration.Builder::maxLifetime, PoolConfiguration.Builder::maxLifetimeDisabled),
                    "age before retirement"),
            new Spec("keepaliveTime", null, (b, v) -> durationOrDisabled(b, "keepaliveTime", v,
                    PoolConfiguration.Builder::keepaliveTime, PoolConfiguration.Builder::keepaliveDisabled),
                    "ping idle connections unchecked for this long"),
            new Spec("evictionInterval", "backgroundEvictionInterval",
                    (b, v) -> b.evictionInterval(duration("evictionInterval", v)), "upkeep period"),
            new Spec("closeTimeout", null, (b, v) -> b.closeTimeout(duration("closeTimeout", v)),
                    "wait for borrowed connections on close"),
            new Spec("startTimeout", null, (b, v) -> b.startTimeout(duration("startTimeout", v)),
                    "most start() keeps trying"),
            new Spec("leakDetectionThreshold", null, (b, v) -> durationOrDisabled(b, "leakDetectionThreshold", v,
                    PoolConfiguration.Builder::leakDetectionThreshold, PoolConfiguration.Builder::leakDetectionDisabled),
                    "report connections borrowed longer than this"),
            new Spec("leakReclaimAfter", null, (b, v) -> durationOrDisabled(b, "leakReclaimAfter", v,
                    PoolConfiguration.Builder::leakReclaimAfter, PoolConfiguration.Builder::leakReclaimDisabled),
                    "take back connections borrowed longer than this"),
            new Spec("silenceTimeout", null, (b, v) -> durationOrDisabled(b, "silenceTimeout", v,
                    PoolConfiguration.Builder::silenceTimeout, PoolConfiguration.Builder::silenceTimeoutDisabled),
                    "most a statement waits without a byte from the server"),
            new Spec("connectionInitSql", null, (b, v) -> b.connectionInitSql(text("connectionInitSql", v)),
                    "SQL run on every new connection"),
            new Spec("client", null, (b, v) -> b.client(v instanceof io.tidepool.ProtocolClient c ? c
                    : io.tidepool.ProtocolClient.parse(v.toString())), "native or r2dbc-postgresql"),
            new Spec("multiplex", null, (b, v) -> b.multiplex(bool("multiplex", v)),
                    "virtual connections pipelined over a few shared ones (client=native)"),
            new Spec("multiplexConnections", null,
                    (b, v) -> b.multiplexConnections(integer("multiplexConnections", v)),
                    "server connections the multiplexed lane shares"),
            new Spec("multiplexMaxConnections", null,
                    (b, v) -> b.multiplexMaxConnections(integer("multiplexMaxConnections", v)),
                    "most server connections the lane opens while slow statements hold some up"),
            new Spec("multiplexDepth", null, (b, v) -> b.multiplexDepth(integer("multiplexDepth", v)),
                    "statements in flight per lane connection"),
            new Spec("serverPooling", null, (b, v) -> b.serverPooling(serverPooling(v)),
                    "session or transaction: how a pooler in front of the server (PgBouncer) lends backends"),
            // r2dbc-pool options with no Tidepool equivalent: checked, then left alone (see docs/configuration.md).
            new Spec("acquireRetry", null, (b, v) -> ignored("acquireRetry", integerAtLeastZero("acquireRetry", v),
                    "Tidepool replaces invalid connections within acquireTimeout; use RetryPolicy for work"),
                    "r2dbc-pool's retry count"),
            new Spec("registerJmx", null, (b, v) -> ignored("registerJmx", bool("registerJmx", v),
                    "Tidepool publishes metrics through Micrometer (tidepool-health)"), "r2dbc-pool's JMX switch"));

    private PoolOptions() {
    }

    /**
     * Parses an R2DBC URL for the pool, checking that it names PostgreSQL, and that no query key is a
     * differently-cased pool option (which the driver would otherwise silently ignore).
     */
    static ConnectionFactoryOptions parseUrl(@Nullable String url) {
        if (url == null) {
            throw new IllegalArgumentException("url must not be null");
        }
        ConnectionFactoryOptions options;
        try {
            options = ConnectionFactoryOptions.parse(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("url must be an R2DBC URL like "
                    + "r2dbc:postgresql://user@host:5432/database, was '" + io.tidepool.error.Redaction.passwordsMasked(url) + "'");
        }
        Matcher keys = QUERY_KEY.matcher(url);
        while (keys.find()) {
            String key = keys.group(1);
            if (isKnown(key)) {
                continue;
            }
            for (Spec spec : SPECS) {
                checkCase(key, spec.name());
                if (spec.r2dbcPoolAlias() != null) {
                    checkCase(key, spec.r2dbcPoolAlias());
                }
            }
            checkTypo(key);
        }
        return options;
    }

    /**
     * Refuses a key one or two letters from a pool option's name and no driver's own: the driver would take it and
     * ignore it ({@code acquireTimout=5s} would leave the 10 s default in force). Short keys and the drivers' keys are
     * left alone, so that no driver option is refused for looking like a pool option.
     */
    private static void checkTypo(String key) {
        if (key.length() < TYPO_MIN_LENGTH || DRIVER_KEYS.contains(key)) {
            return;
        }
        for (Spec spec : SPECS) {
            for (String known : spec.r2dbcPoolAlias() == null ? List.of(spec.name())
                    : List.of(spec.name(), spec.r2dbcPoolAlias())) {
                if (editDistance(key.toLowerCase(Locale.ROOT), known.toLowerCase(Locale.ROOT)) <= TYPO_MAX_EDITS) {
                    throw new IllegalArgumentException("option '" + key + "' is not known: did you mean '" + known
                            + "'?");
                }
            }
        }
    }

    /** Letters inserted, deleted or replaced to turn {@code a} into {@code b} (Levenshtein). */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(replace, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Applies the pool options found in {@code options} to the builder; answers the options, driver checked. */
    static ConnectionFactoryOptions apply(ConnectionFactoryOptions options, PoolConfiguration.Builder builder) {
        Object driver = options.getValue(ConnectionFactoryOptions.DRIVER);
        Object protocol = options.getValue(ConnectionFactoryOptions.PROTOCOL);
        boolean direct = POSTGRESQL.equals(driver);
        boolean wrapped = (DRIVER.equals(driver) || R2DBC_POOL_DRIVER.equals(driver)) && POSTGRESQL.equals(protocol);
        boolean failover = MultiHost.isFailover(driver, protocol);
        if (failover) {
            MultiHost.checkHosts(options);
        } else if (!direct && !wrapped) {
            throw new IllegalArgumentException("driver must be postgresql (r2dbc:postgresql:, r2dbc:tidepool:postgresql: "
                    + "or r2dbc:pool:postgresql:), was " + driver + (protocol == null ? "" : ":" + protocol));
        }
        if (!failover) {
            checkHost(options);
        }
        for (Spec spec : SPECS) {
            Object value = options.getValue(Option.valueOf(spec.name()));
            if (value == null && spec.r2dbcPoolAlias() != null) {
                value = options.getValue(Option.valueOf(spec.r2dbcPoolAlias()));
            }
            if (value != null) {
                spec.setter().accept(builder, value);
            }
        }
        return options;
    }

    /** The options connections are opened with: the PostgreSQL driver, and the pool's name as default application name. */
    static ConnectionFactoryOptions driverOptions(ConnectionFactoryOptions options, String poolName) {
        ConnectionFactoryOptions.Builder driver = ConnectionFactoryOptions.builder().from(options)
                .option(ConnectionFactoryOptions.DRIVER, POSTGRESQL);
        if (options.hasOption(ConnectionFactoryOptions.PROTOCOL)) {
            driver.option(ConnectionFactoryOptions.PROTOCOL, "");
        }
        if (!options.hasOption(APPLICATION_NAME)) {
            driver.option(APPLICATION_NAME, poolName);
        }
        if (MultiHost.isFailover(options.getValue(ConnectionFactoryOptions.DRIVER),
                options.getValue(ConnectionFactoryOptions.PROTOCOL))) {
            return MultiHost.driverOptions(driver.build());
        }
        return driver.build();
    }

    /** The socket options only Tidepool's own client applies (see {@code io.tidepool.pg.TcpSettings}). */
    private static final List<String> NATIVE_ONLY = List.of("tcpUserTimeout", "tcpKeepAliveIdle",
            "tcpKeepAliveInterval", "tcpKeepAliveCount");

    /** The first option of {@link #NATIVE_ONLY} the options set, or null when they set none. */
    static @Nullable String nativeOnlyOption(ConnectionFactoryOptions options) {
        for (String name : NATIVE_ONLY) {
            if (options.hasOption(Option.valueOf(name))) {
                return name;
            }
        }
        return null;
    }

    /**
     * Whether the options name several hosts (the {@code failover} form) with the target {@code primary}: the pool
     * then retires every connection when the primary is gone or read-only (see {@code FailoverWatch}).
     */
    static boolean targetsPrimary(ConnectionFactoryOptions driverOptions) {
        return MultiHost.FAILOVER.equals(driverOptions.getValue(ConnectionFactoryOptions.PROTOCOL))
                && MultiHost.targetsPrimary(driverOptions);
    }

    /** r2dbc-postgresql's switch for its named prepared statements, which PgBouncer in transaction mode cannot keep. */
    private static final Option<Object> PREPARED_STATEMENT_CACHE = Option.valueOf("preparedStatementCacheQueries");
    /** The native client's own name for its statement cache size, which it reads before the driver's. */
    private static final Option<Object> NATIVE_STATEMENT_CACHE = Option.valueOf("statementCacheSize");

    /**
     * The driver options for {@code mode}: in {@link io.tidepool.ServerPooling#TRANSACTION} mode, r2dbc-postgresql's
     * prepared statement cache is turned off ({@code preparedStatementCacheQueries=0}, so statements run unnamed;
     * the native client reads the same option as its {@code statementCacheSize}) unless the options set either themselves (a PgBouncer 1.21+ with {@code max_prepared_statements} can keep them).
     */
    static ConnectionFactoryOptions forServerPooling(ConnectionFactoryOptions options,
                                                            io.tidepool.ServerPooling mode) {
        if (mode != io.tidepool.ServerPooling.TRANSACTION || options.hasOption(PREPARED_STATEMENT_CACHE)
                || options.hasOption(NATIVE_STATEMENT_CACHE)) {
            return options;
        }
        return ConnectionFactoryOptions.builder().from(options).option(PREPARED_STATEMENT_CACHE, 0).build();
    }

    private static io.tidepool.ServerPooling serverPooling(Object value) {
        if (value instanceof io.tidepool.ServerPooling mode) {
            return mode;
        }
        return io.tidepool.ServerPooling.parse(value.toString());
    }

    /**
     * A password with an unencoded {@code /}, {@code ?}, {@code #} or {@code @} makes {@link java.net.URI} read part of
     * the user info as the host ({@code user:pa/ss@db} gives the host {@code user:pa}), which every message naming the
     * target would then print. A colon in a host that is not an IPv6 literal (bracketed as URLs have it, or bare as
     * a program may set it) can only come from that; the error names neither the host nor the URL, which hold the
     * password.
     */
    private static void checkHost(ConnectionFactoryOptions options) {
        Object host = options.getValue(ConnectionFactoryOptions.HOST);
        if (host instanceof CharSequence text && text.toString().indexOf(':') >= 0
                && !text.toString().startsWith("[") && !IPV6_LITERAL.matcher(text).matches()) {
            throw new IllegalArgumentException("url: its host cannot be told from its user info; a password holding "
                    + "'/', '?', '#' or '@' must be percent-encoded in the URL (%2F, %3F, %23, %40), or given as the "
                    + "password option");
        }
    }

    private static boolean isKnown(String key) {
        for (Spec spec : SPECS) {
            if (key.equals(spec.name()) || key.equals(spec.r2dbcPoolAlias())) {
                return true;
            }
        }
        return false;
    }

    private static void checkCase(String key, String known) {
        if (!key.equals(known) && key.equalsIgnoreCase(known)) {
            throw new IllegalArgumentException("option '" + key + "' is not known: did you mean '" + known + "'?");
        }
    }

    /** Sets a duration that may also be {@code disabled}. */
    private static void durationOrDisabled(PoolConfiguration.Builder builder, String option, Object value,
                                           java.util.function.BiConsumer<PoolConfiguration.Builder, Duration> set,
                                           java.util.function.Consumer<PoolConfiguration.Builder> disable) {
        if (isDisabled(value)) {
            disable.accept(builder);
        } else {
            set.accept(builder, duration(option, value));
        }
    }

    private static boolean isDisabled(Object value) {
        return value instanceof String s && DISABLED.equalsIgnoreCase(s.trim());
    }

    private static String text(String option, Object value) {
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        throw new IllegalArgumentException(option + " must be text, was " + value);
    }

    private static int integer(String option, Object value) {
        if (value instanceof Integer i) {
            return i;
        }
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, was '" + value + "'");
        }
    }

    private static int integerAtLeastZero(String option, Object value) {
        int parsed = integer(option, value);
        if (parsed < 0) {
            throw new IllegalArgumentException(option + " must be at least 0, was " + parsed);
        }
        return parsed;
    }

    private static boolean bool(String option, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String s = value.toString().trim().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException(option + " must be true or false, was '" + value + "'");
        }
        return s.equals("true");
    }

    /** An r2dbc-pool option Tidepool has no use for: checked (a bad value still fails), then named in a warning. */
    private static void ignored(String option, Object value, String instead) {
        log.warn("option {}={} is r2dbc-pool's and is ignored by Tidepool: {}", option, value, instead);
    }

    private static ValidationDepth depth(Object value) {
        if (value instanceof ValidationDepth d) {
            return d;
        }
        try {
            return ValidationDepth.valueOf(value.toString().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("validationDepth must be LOCAL or REMOTE, was '" + value + "'");
        }
    }

    /** A duration: a {@link Duration}, ISO-8601 text ({@code PT2S}) or a number with a unit ({@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}). */
    static Duration duration(String option, Object value) {
        if (value instanceof Duration d) {
            return d;
        }
        String text = value.toString().trim();
        Matcher shortForm = SHORT_DURATION.matcher(text.toLowerCase(Locale.ROOT));
        try {
            if (shortForm.matches()) {
                long amount = Long.parseLong(shortForm.group(1));
                return switch (shortForm.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                };
            }
            return Duration.parse(text);
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            // NumberFormatException: a number of units beyond a long
            throw new IllegalArgumentException(
                    option + " must be a duration like PT2S, 2s or 500ms, was '" + value + "'");
        }
    }
}
