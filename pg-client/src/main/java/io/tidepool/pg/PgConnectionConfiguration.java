package io.tidepool.pg;

import org.jspecify.annotations.Nullable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
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
    /** The default connect timeout (TCP connect, TLS and authentication together): 10 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final @Nullable CharSequence password;
    private final @Nullable String applicationName;
    private final PgSslMode sslMode;
    private final @Nullable Path sslRootCert;
    private final Duration connectTimeout;
    private final int statementCacheSize;
    private final Map<String, String> options;

    private PgConnectionConfiguration(Builder b) {
        this.host = Objects.requireNonNull(b.host);
        this.port = b.port;
        this.user = Objects.requireNonNull(b.user);
        this.database = b.database == null ? b.user : b.database;
        this.password = b.password;
        this.applicationName = b.applicationName;
        this.sslMode = b.sslMode;
        this.sslRootCert = b.sslRootCert;
        this.connectTimeout = b.connectTimeout;
        this.statementCacheSize = b.statementCacheSize;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
    }

    /** A new builder with the defaults: port 5432, sslMode disable, connect timeout 10 s, statement cache 256. */
    public static Builder builder() {
        return new Builder();
    }

    /** The server's host name or IP address. */
    public String host() {
        return host;
    }

    /** The server's TCP port. */
    public int port() {
        return port;
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

    /** Extra server parameters sent in the startup message (for example {@code search_path}), read-only. */
    public Map<String, String> options() {
        return options;
    }

    @Override
    public String toString() {
        // the password is left out on purpose
        return "PgConnectionConfiguration{host=" + host + ", port=" + port + ", database=" + database + ", user="
                + user + ", password=" + (password == null ? "<none>" : "<hidden>") + ", applicationName="
                + applicationName + ", sslMode=" + sslMode + ", sslRootCert=" + sslRootCert + ", connectTimeout="
                + connectTimeout + ", statementCacheSize=" + statementCacheSize + ", options=" + options.keySet() + "}";
    }

    /**
     * Builds a {@link PgConnectionConfiguration}. Each setter rejects a bad value at once with an
     * {@link IllegalArgumentException} that names the property and quotes the value; {@link #build()} checks that the
     * required host and user are set.
     */
    public static final class Builder {

        private @Nullable String host;
        private int port = DEFAULT_PORT;
        private @Nullable String database;
        private @Nullable String user;
        private @Nullable CharSequence password;
        private @Nullable String applicationName;
        private PgSslMode sslMode = PgSslMode.DISABLE;
        private @Nullable Path sslRootCert;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int statementCacheSize = DEFAULT_STATEMENT_CACHE_SIZE;
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
            Objects.requireNonNull(connectTimeout, "connectTimeout must not be null");
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + connectTimeout);
            }
            this.connectTimeout = connectTimeout;
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
         * @throws IllegalStateException when host or user is not set
         */
        public PgConnectionConfiguration build() {
            if (host == null) {
                throw new IllegalStateException("host must be set");
            }
            if (user == null) {
                throw new IllegalStateException("user must be set");
            }
            return new PgConnectionConfiguration(this);
        }
    }
}
