package io.tidepool.pg;

import org.jspecify.annotations.Nullable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link PgConnectionFactory} connects to and how: immutable, made by {@link #builder()}, which checks each value
 * as it is set and the whole in {@link Builder#build()}.
 *
 * <p>The password is kept as the {@link CharSequence} given and never appears in {@link #toString()}, in a log line or
 * in an exception message.
 *
 * @since 0.1.0
 */
public final class PgConnectionConfiguration {

    /** The default port, {@value}. */
    public static final int DEFAULT_PORT = 5432;
    /** The default size of the per-connection prepared-statement cache, {@value}. */
    public static final int DEFAULT_STATEMENT_CACHE_SIZE = 256;
    /** The default pipeline limit: commands written and not yet answered per connection, {@value}. */
    public static final int DEFAULT_PIPELINE_LIMIT = 256;
    /** The default connect timeout (TCP connect, TLS and authentication together): 10 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The default time a host's role or failure is remembered when choosing among several hosts: 10 seconds. */
    public static final Duration DEFAULT_HOST_RECHECK_TIME = Duration.ofSeconds(10);

    private final List<PgHost> hosts;
    private final PgTargetServerType targetServerType;
    private final Duration hostRecheckTime;
    private final boolean loadBalanceHosts;
    private final String database;
    private final String user;
    private final @Nullable CharSequence password;
    private final @Nullable String applicationName;
    private final PgSslMode sslMode;
    private final @Nullable Path sslRootCert;
    private final Duration connectTimeout;
    private final int statementCacheSize;
    private final int pipelineLimit;
    private final TcpSettings tcp;
    private final Map<String, String> options;

    private PgConnectionConfiguration(Builder b) {
        this.hosts = b.hosts != null ? List.copyOf(b.hosts) : List.of(new PgHost(Objects.requireNonNull(b.host), b.port));
        this.targetServerType = b.targetServerType;
        this.hostRecheckTime = b.hostRecheckTime;
        this.loadBalanceHosts = b.loadBalanceHosts;
        this.user = Objects.requireNonNull(b.user);
        this.database = b.database == null ? b.user : b.database;
        this.password = b.password;
        this.applicationName = b.applicationName;
        this.sslMode = b.sslMode;
        this.sslRootCert = b.sslRootCert;
        this.connectTimeout = b.connectTimeout;
        this.statementCacheSize = b.statementCacheSize;
        this.pipelineLimit = b.pipelineLimit;
        this.tcp = b.tcp.build();
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
    }

    /**
     * A configuration from R2DBC options, for example those parsed from an {@code r2dbc:} URL; every value goes through
     * the builder's checks. Read: {@code host} (required; a comma-separated list {@code h1:5432,h2:5433} names several
     * hosts, each without a port on {@code port}), {@code port}, {@code database}, {@code user} (required),
     * {@code password}, {@code ssl} ({@code true} means {@link PgSslMode#REQUIRE} unless {@code sslMode} says more),
     * {@code sslMode} ({@code disable}, {@code require}, {@code verify-full}), {@code sslRootCert} (a PEM file),
     * {@code applicationName}, {@code connectTimeout}, {@code statementCacheSize} (also read as r2dbc-postgresql's
     * {@code preparedStatementCacheQueries}, which must not be negative here), {@code pipelineLimit}, {@code statementTimeout} and
     * {@code lockWaitTimeout} (sent at startup as {@code statement_timeout} / {@code lock_timeout}), the socket's
     * {@code tcpKeepAlive} ({@code true} or {@code false}), {@code tcpKeepAliveIdle}, {@code tcpKeepAliveInterval},
     * {@code tcpKeepAliveCount} and {@code tcpUserTimeout} ({@code disabled} or a duration; see {@link TcpSettings}),
     * {@code options} (a {@code Map<String, String>} of server parameters), {@code targetServerType} (see
     * {@link PgTargetServerType#parse}), {@code hostRecheckTime}, {@code loadBalanceHosts}, and as r2dbc-postgresql
     * reads them {@code sslmode} (an alias of {@code sslMode}), {@code currentSchema} or {@code schema} (sent as
     * {@code search_path}) and {@code timeZone} (sent as {@code TimeZone}; unset, the server's own). An option of
     * r2dbc-postgresql that asks for a feature this client does not have ({@code socket}, {@code sslCert},
     * {@code channelBinding=require}...) is refused, naming it and {@code client=r2dbc-postgresql}. A value may be
     * typed or a string, as a URL gives it: durations as ISO-8601 ({@code PT5S}) or milliseconds.
     *
     * @throws IllegalArgumentException when a value is malformed or out of range, naming the option
     * @throws IllegalStateException    when host or user is missing
     */
    public static PgConnectionConfiguration from(io.r2dbc.spi.ConnectionFactoryOptions options) {
        Objects.requireNonNull(options, "options must not be null");
        DriverOnlyOptions.refuseUnsupported(options);
        Builder b = builder();
        Object host = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.HOST);
        Object port = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.PORT);
        int defaultPort = port == null ? DEFAULT_PORT : integer("port", port);
        Object protocol = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.PROTOCOL);
        if (host != null && (host.toString().indexOf(',') >= 0 || "failover".equals(protocol))) {
            List<PgHost> list = new ArrayList<>();
            for (String element : host.toString().split(",", -1)) {
                list.add(PgHost.parse(element, defaultPort));
            }
            b.hosts(list);
        } else {
            if (host != null) {
                b.host(host.toString());
            }
            if (port != null) {
                b.port(defaultPort);
            }
        }
        Object target = options.getValue(io.r2dbc.spi.Option.valueOf("targetServerType"));
        if (target != null) {
            b.targetServerType(target instanceof PgTargetServerType ? (PgTargetServerType) target
                    : PgTargetServerType.parse(target.toString()));
        }
        Object recheck = options.getValue(io.r2dbc.spi.Option.valueOf("hostRecheckTime"));
        if (recheck != null) {
            b.hostRecheckTime(duration("hostRecheckTime", recheck));
        }
        Object loadBalance = options.getValue(io.r2dbc.spi.Option.valueOf("loadBalanceHosts"));
        if (loadBalance != null) {
            b.loadBalanceHosts(bool("loadBalanceHosts", loadBalance));
        }
        Object database = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.DATABASE);
        if (database != null) {
            b.database(database.toString());
        }
        Object user = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.USER);
        if (user != null) {
            b.user(user.toString());
        }
        Object password = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.PASSWORD);
        if (password != null) {
            b.password(password instanceof CharSequence ? (CharSequence) password : password.toString());
        }
        Object ssl = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.SSL);
        if (ssl != null && Boolean.parseBoolean(ssl.toString())) {
            b.sslMode(PgSslMode.REQUIRE);
        }
        Object sslMode = options.getValue(io.r2dbc.spi.Option.valueOf("sslMode"));
        if (sslMode == null) {
            // r2dbc-postgresql's alias, libpq's spelling: ignored, it would connect without TLS
            sslMode = options.getValue(io.r2dbc.spi.Option.valueOf("sslmode"));
        }
        if (sslMode != null) {
            b.sslMode(sslMode instanceof PgSslMode ? (PgSslMode) sslMode : sslMode(sslMode.toString()));
        }
        Object rootCert = options.getValue(io.r2dbc.spi.Option.valueOf("sslRootCert"));
        if (rootCert != null) {
            b.sslRootCert(rootCert instanceof Path ? (Path) rootCert : Path.of(rootCert.toString()));
        }
        Object applicationName = options.getValue(io.r2dbc.spi.Option.valueOf("applicationName"));
        if (applicationName != null) {
            b.applicationName(applicationName.toString());
        }
        Object connectTimeout = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.CONNECT_TIMEOUT);
        if (connectTimeout != null) {
            b.connectTimeout(duration("connectTimeout", connectTimeout));
        }
        Object cache = options.getValue(io.r2dbc.spi.Option.valueOf("statementCacheSize"));
        if (cache == null) {
            cache = options.getValue(io.r2dbc.spi.Option.valueOf("preparedStatementCacheQueries"));
        }
        if (cache != null) {
            b.statementCacheSize(integer("statementCacheSize", cache));
        }
        Object pipelineLimit = options.getValue(io.r2dbc.spi.Option.valueOf("pipelineLimit"));
        if (pipelineLimit != null) {
            b.pipelineLimit(integer("pipelineLimit", pipelineLimit));
        }
        TcpSettings.readInto(b.tcp, options);
        Object schema = options.getValue(io.r2dbc.spi.Option.valueOf("currentSchema"));
        if (schema == null) {
            schema = options.getValue(io.r2dbc.spi.Option.valueOf("schema"));
        }
        if (schema != null && !schema.toString().isEmpty()) {
            b.option("search_path", schema.toString());
        }
        Object timeZone = options.getValue(io.r2dbc.spi.Option.valueOf("timeZone"));
        if (timeZone != null) {
            b.option("TimeZone", serverTimeZone(timeZone));
        }
        Object serverOptions = options.getValue(io.r2dbc.spi.Option.valueOf("options"));
        if (serverOptions instanceof Map) {
            ((Map<?, ?>) serverOptions).forEach((k, v) -> b.option(String.valueOf(k), String.valueOf(v)));
        } else if (serverOptions != null) {
            throw new IllegalArgumentException("options must be a Map<String, String> of server parameters, was "
                    + serverOptions.getClass().getName());
        }
        Object statementTimeout = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.STATEMENT_TIMEOUT);
        if (statementTimeout != null) {
            b.option("statement_timeout", Long.toString(duration("statementTimeout", statementTimeout).toMillis()));
        }
        Object lockWaitTimeout = options.getValue(io.r2dbc.spi.ConnectionFactoryOptions.LOCK_WAIT_TIMEOUT);
        if (lockWaitTimeout != null) {
            b.option("lock_timeout", Long.toString(duration("lockWaitTimeout", lockWaitTimeout).toMillis()));
        }
        return b.build();
    }

    /**
     * A {@code timeZone} option's zone (a {@link java.util.TimeZone}, a {@link java.time.ZoneId} or its ID) as the
     * server's {@code TimeZone} takes it: a region by its name, a fixed offset in POSIX form, whose sign is the
     * opposite of ISO's ({@code GMT+05:30} sent as it is would be five and a half hours WEST of Greenwich).
     */
    static String serverTimeZone(Object value) {
        java.time.ZoneId zone;
        if (value instanceof java.util.TimeZone timeZone) {
            zone = timeZone.toZoneId();
        } else if (value instanceof java.time.ZoneId zoneId) {
            zone = zoneId;
        } else {
            try {
                zone = java.time.ZoneId.of(value.toString().trim());
            } catch (java.time.DateTimeException e) {
                throw new IllegalArgumentException("timeZone must be a time zone ID such as UTC, Europe/Paris or "
                        + "+05:30, was '" + value + "'");
            }
        }
        if (zone.normalized() instanceof java.time.ZoneOffset offset) {
            if (offset.getTotalSeconds() == 0) {
                return "UTC";
            }
            String iso = offset.getId();
            String posix = (iso.charAt(0) == '+' ? '-' : '+') + iso.substring(1);
            return "<" + iso + ">" + posix;
        }
        return zone.getId();
    }

    private static PgSslMode sslMode(String value) {
        switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "disable":
                return PgSslMode.DISABLE;
            case "require":
                return PgSslMode.REQUIRE;
            case "verify-full":
            case "verify_full":
                return PgSslMode.VERIFY_FULL;
            default:
                throw new IllegalArgumentException("sslMode must be disable, require or verify-full, was '" + value
                        + "'");
        }
    }

    static int integer(String name, Object value) {
        if (value instanceof Number) {
            return ((Number) value).intValue();
        }
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was '" + value + "'");
        }
    }

    static boolean bool(String name, Object value) {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        String s = value.toString().trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException(name + " must be true or false, was '" + value + "'");
    }

    static Duration duration(String name, Object value) {
        if (value instanceof Duration) {
            return (Duration) value;
        }
        if (value instanceof Number) {
            return Duration.ofMillis(((Number) value).longValue());
        }
        String s = value.toString().trim();
        try {
            return s.startsWith("P") || s.startsWith("p") ? Duration.parse(s) : Duration.ofMillis(Long.parseLong(s));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 duration (PT5S) or milliseconds, was '"
                    + value + "'");
        }
    }

    /** A new builder with the defaults: port 5432, sslMode disable, connect timeout 10 s, statement cache 256. */
    public static Builder builder() {
        return new Builder();
    }

    /** The (first) server's host name or IP address. */
    public String host() {
        return hosts.get(0).name();
    }

    /** The (first) server's TCP port. */
    public int port() {
        return hosts.get(0).port();
    }

    /** The servers to connect to, in the order they are tried; one for a single-host configuration. Read-only. */
    public List<PgHost> hosts() {
        return hosts;
    }

    /**
     * The role a server must have for a new connection to stay on it; {@link PgTargetServerType#ANY} (the default)
     * checks nothing.
     */
    public PgTargetServerType targetServerType() {
        return targetServerType;
    }

    /**
     * How long a host found down or of the wrong role is tried after the others (it is never skipped), as
     * r2dbc-postgresql's {@code hostRecheckTime}. Default 10 s.
     */
    public Duration hostRecheckTime() {
        return hostRecheckTime;
    }

    /**
     * Whether each new connection tries the hosts in a random order (among those not found down or of the wrong
     * role lately), as r2dbc-postgresql's {@code loadBalanceHosts}, spreading connections over equal servers (read
     * replicas); default false: in the configured order.
     */
    public boolean loadBalanceHosts() {
        return loadBalanceHosts;
    }

    /** Whether a new connection chooses among hosts or checks the server's role: several hosts, or a target. */
    public boolean choosesHost() {
        return hosts.size() > 1 || targetServerType != PgTargetServerType.ANY;
    }

    /** The database to connect to; defaults to the user name. */
    public String database() {
        return database;
    }

    /** The role to log in as. */
    public String user() {
        return user;
    }

    /** The password, or {@code null} when the server is expected to trust the client. */
    public @Nullable CharSequence password() {
        return password;
    }

    /** The {@code application_name} sent at startup, or {@code null} for none. */
    public @Nullable String applicationName() {
        return applicationName;
    }

    /** How the connection is encrypted. */
    public PgSslMode sslMode() {
        return sslMode;
    }

    /** The PEM file of the root certificate(s) trusted for {@link PgSslMode#VERIFY_FULL}, or {@code null}. */
    public @Nullable Path sslRootCert() {
        return sslRootCert;
    }

    /** How long TCP connect, TLS handshake and authentication may take together. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * How many named prepared statements each connection keeps (least recently used evicted first); {@code 0} means
     * unnamed statements only, as PgBouncer's transaction mode needs.
     */
    public int statementCacheSize() {
        return statementCacheSize;
    }

    /**
     * How many commands a connection writes ahead of their answers; more wait, unwritten, until one is answered.
     * {@code 1} turns pipelining off.
     */
    public int pipelineLimit() {
        return pipelineLimit;
    }

    /** How the connection's TCP socket is set up: keepalive and its timing, {@code TCP_USER_TIMEOUT}. */
    public TcpSettings tcp() {
        return tcp;
    }

    /** Extra server parameters sent in the startup message (for example {@code search_path}), read-only. */
    public Map<String, String> options() {
        return options;
    }

    @Override
    public String toString() {
        // the password is left out on purpose
        return "PgConnectionConfiguration{hosts=" + hosts + (targetServerType == PgTargetServerType.ANY ? ""
                : ", targetServerType=" + targetServerType) + (loadBalanceHosts ? ", loadBalanceHosts" : "")
                + ", database=" + database + ", user="
                + user + ", password=" + (password == null ? "<none>" : "<hidden>") + ", applicationName="
                + applicationName + ", sslMode=" + sslMode + ", sslRootCert=" + sslRootCert + ", connectTimeout="
                + connectTimeout + ", statementCacheSize=" + statementCacheSize + ", pipelineLimit=" + pipelineLimit + ", tcp=" + tcp + ", options=" + options.keySet() + "}";
    }

    /**
     * Builds a {@link PgConnectionConfiguration}. Each setter rejects a bad value at once with an
     * {@link IllegalArgumentException} that names the property and quotes the value; {@link #build()} checks that the
     * required host and user are set.
     */
    public static final class Builder {

        private @Nullable String host;
        private int port = DEFAULT_PORT;
        private @Nullable List<PgHost> hosts;
        private boolean portSet;
        private PgTargetServerType targetServerType = PgTargetServerType.ANY;
        private Duration hostRecheckTime = DEFAULT_HOST_RECHECK_TIME;
        private boolean loadBalanceHosts;
        private @Nullable String database;
        private @Nullable String user;
        private @Nullable CharSequence password;
        private @Nullable String applicationName;
        private PgSslMode sslMode = PgSslMode.DISABLE;
        private @Nullable Path sslRootCert;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int statementCacheSize = DEFAULT_STATEMENT_CACHE_SIZE;
        private int pipelineLimit = DEFAULT_PIPELINE_LIMIT;
        private final TcpSettings.Builder tcp = TcpSettings.builder();
        private final Map<String, String> options = new LinkedHashMap<>();

        private Builder() {
        }

        /** The server's host name or IP address (required, not blank). */
        public Builder host(String host) {
            Objects.requireNonNull(host, "host must not be null");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank, was '" + host + "'");
            }
            this.host = host;
            return this;
        }

        /** The server's TCP port, 1 to 65535; default 5432. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
            }
            this.port = port;
            this.portSet = true;
            return this;
        }

        /**
         * Several servers, tried in this order for each new connection (see {@link #targetServerType}); instead of
         * {@link #host} and {@link #port}. Not empty, no host twice.
         */
        public Builder hosts(List<PgHost> hosts) {
            Objects.requireNonNull(hosts, "hosts must not be null");
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("hosts must not be empty, was " + hosts);
            }
            if (new java.util.HashSet<>(hosts).size() != hosts.size()) {
                throw new IllegalArgumentException("hosts must not name a host twice, was " + hosts);
            }
            this.hosts = List.copyOf(hosts);
            return this;
        }

        /** The role a server must have; default {@link PgTargetServerType#ANY}. */
        public Builder targetServerType(PgTargetServerType targetServerType) {
            this.targetServerType = Objects.requireNonNull(targetServerType, "targetServerType must not be null");
            return this;
        }

        /** How long a host's failure or role is remembered: positive; default 10 s. */
        public Builder hostRecheckTime(Duration hostRecheckTime) {
            this.hostRecheckTime = positive("hostRecheckTime", hostRecheckTime);
            return this;
        }

        /** Whether hosts are tried in a random order for each new connection; default false (in order). */
        public Builder loadBalanceHosts(boolean loadBalanceHosts) {
            this.loadBalanceHosts = loadBalanceHosts;
            return this;
        }

        /** The database (not blank); default: the user name. */
        public Builder database(String database) {
            Objects.requireNonNull(database, "database must not be null");
            if (database.isBlank()) {
                throw new IllegalArgumentException("database must not be blank, was '" + database + "'");
            }
            this.database = database;
            return this;
        }

        /** The role to log in as (required, not blank). */
        public Builder user(String user) {
            Objects.requireNonNull(user, "user must not be null");
            if (user.isBlank()) {
                throw new IllegalArgumentException("user must not be blank, was '" + user + "'");
            }
            this.user = user;
            return this;
        }

        /** The password, or {@code null} for none. Kept as given; never printed. */
        public Builder password(@Nullable CharSequence password) {
            this.password = password;
            return this;
        }

        /** The {@code application_name} to report, or {@code null} for none. */
        public Builder applicationName(@Nullable String applicationName) {
            this.applicationName = applicationName;
            return this;
        }

        /** How to encrypt the connection; default {@link PgSslMode#DISABLE}. */
        public Builder sslMode(PgSslMode sslMode) {
            this.sslMode = Objects.requireNonNull(sslMode, "sslMode must not be null");
            return this;
        }

        /** A PEM file with the root certificate(s) to trust for {@link PgSslMode#VERIFY_FULL}; {@code null}: JVM default. */
        public Builder sslRootCert(@Nullable Path sslRootCert) {
            this.sslRootCert = sslRootCert;
            return this;
        }

        /** How long connect, TLS and authentication may take together: positive; default 10 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("connectTimeout", connectTimeout);
            return this;
        }

        /** Named prepared statements kept per connection: 0 (unnamed only) or more; default 256. */
        public Builder statementCacheSize(int statementCacheSize) {
            if (statementCacheSize < 0) {
                throw new IllegalArgumentException("statementCacheSize must not be negative, was "
                        + statementCacheSize);
            }
            this.statementCacheSize = statementCacheSize;
            return this;
        }

        /** Commands written ahead of their answers per connection: 1 (no pipelining) or more; default 256. */
        public Builder pipelineLimit(int pipelineLimit) {
            if (pipelineLimit < 1) {
                throw new IllegalArgumentException("pipelineLimit must be at least 1, was " + pipelineLimit);
            }
            this.pipelineLimit = pipelineLimit;
            return this;
        }

        /**
         * The TCP socket's settings, checked as they are set: for example
         * {@code tcp(t -> t.userTimeout(Duration.ofSeconds(30)))}. See {@link TcpSettings}.
         */
        public Builder tcp(java.util.function.Consumer<TcpSettings.Builder> settings) {
            Objects.requireNonNull(settings, "settings must not be null").accept(tcp);
            return this;
        }

        /** A server parameter sent at startup, for example {@code option("search_path", "app")}. */
        public Builder option(String name, String value) {
            Objects.requireNonNull(name, "option name must not be null");
            Objects.requireNonNull(value, "option value must not be null");
            if (name.isBlank()) {
                throw new IllegalArgumentException("option name must not be blank, was '" + name + "'");
            }
            if (isReserved(name)) {
                throw new IllegalArgumentException("option '" + name + "' is set by the client itself: use its own"
                        + " builder method or leave it out");
            }
            this.options.put(name, value);
            return this;
        }

        /** Several server parameters sent at startup; see {@link #option(String, String)}. */
        public Builder options(Map<String, String> options) {
            Objects.requireNonNull(options, "options must not be null");
            options.forEach(this::option);
            return this;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name + " must not be null");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }

        private static boolean isReserved(String name) {
            switch (name) {
                case "user": case "database": case "client_encoding": case "application_name": case "replication":
                    return true;
                default:
                    return false;
            }
        }

        /**
         * The configuration.
         *
         * @throws IllegalStateException when host (or hosts) or user is not set, both host and hosts are, or a
         *                               keepalive timing is set with keepalive off
         */
        public PgConnectionConfiguration build() {
            if (host == null && hosts == null) {
                throw new IllegalStateException("host must be set");
            }
            if (host != null && hosts != null) {
                throw new IllegalStateException("host and hosts must not both be set, was " + host + " and " + hosts);
            }
            if (portSet && hosts != null) {
                throw new IllegalStateException("port must not be set with hosts (each names its own), was " + port
                        + " and " + hosts);
            }
            if (user == null) {
                throw new IllegalStateException("user must be set");
            }
            return new PgConnectionConfiguration(this);
        }
    }
}
