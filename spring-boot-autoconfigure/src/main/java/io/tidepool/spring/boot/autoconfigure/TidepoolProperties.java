package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ValidationDepth;
import io.tidepool.ServerPooling;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tidepool.*} properties of the auto-configured pool. The connection itself comes from
 * {@code spring.r2dbc.url}, {@code username}, {@code password}, {@code name} and {@code properties.*}, as for any
 * R2DBC application.
 *
 * <p>Every pool option is unset by default, which leaves Tidepool's own default in force (the defaults below are
 * Tidepool's, see {@code docs/configuration.md}). A value set here wins over the same option in the URL's query or
 * in {@code spring.r2dbc.properties.*}. Options that can be turned off take a duration or {@code disabled}. Every
 * value goes through the same checks as the builder's: a bad one fails the start, naming the option, the rule and
 * the value.
 */
@ConfigurationProperties(prefix = TidepoolProperties.PREFIX)
public class TidepoolProperties {

    /** The prefix of these properties. */
    public static final String PREFIX = "tidepool";

    /** Whether to auto-configure a Tidepool pool as the application's ConnectionFactory. */
    private boolean enabled = true;

    /**
     * Whether the application needs the database to start. When true, the pool is started at startup and a database
     * that cannot be reached within start-timeout fails the start; when false, a failed start is logged, the pool
     * opens connections when the database answers, and the pool is marked optional in health (its DOWN shows as
     * DEGRADED, so it does not take the application down).
     */
    private boolean required = true;

    /** The pool's name, in messages, metrics, health and the server's application_name. Default "tidepool". */
    private @Nullable String name;

    /** Most connections the pool opens. Default 10. */
    private @Nullable Integer maxSize;

    /** Idle connections kept warm once started. Default 0. */
    private @Nullable Integer minIdle;

    /** Connections the start opens (at least min-idle, at least 1). Default 0. */
    private @Nullable Integer initialSize;

    /** Callers allowed to wait for a connection; one more fails at once. Default 1000. */
    private @Nullable Integer maxPendingAcquires;

    /** Most an acquire waits, validation included. Default 10s. */
    private @Nullable Duration acquireTimeout;

    /** Most opening a connection takes. Default 5s. */
    private @Nullable Duration createTimeout;

    /** Validate a connection idle longer than this: a duration or "disabled". Default 500ms. */
    private @Nullable String validateAfterIdle;

    /** How a connection is validated: LOCAL (socket) or REMOTE (a round trip). Default REMOTE. */
    private @Nullable ValidationDepth validationDepth;

    /**
     * A query to validate with instead of the driver's check. Default none. Unless validate-after-idle is also set,
     * every acquire is then validated (r2dbc-pool's contract).
     */
    private @Nullable String validationQuery;

    /** Most a validation or a reset takes. Default 2s, or half a shorter acquire-timeout. */
    private @Nullable Duration validationTimeout;

    /** Idle connections beyond min-idle are closed after this: a duration or "disabled". Default 10m. */
    private @Nullable String maxIdleTime;

    /** Retire connections older than this, minus up to 10 % jitter: a duration or "disabled". Default 30m. */
    private @Nullable String maxLifetime;

    /** Ping idle connections unchecked this long: a duration or "disabled". Default 2m. */
    private @Nullable String keepaliveTime;

    /**
     * Period of the pool's upkeep (eviction, keepalive, min-idle refill). Default derived: a tenth of the shortest of
     * max-idle-time, max-lifetime and keepalive-time, within 100ms and 30s (12s with the defaults).
     */
    private @Nullable Duration evictionInterval;

    /** How long closing the pool waits for borrowed connections to come back. Default 30s. */
    private @Nullable Duration closeTimeout;

    /** How long the start keeps trying to open its first connections. Default 30s. */
    private @Nullable Duration startTimeout;

    /** Report a connection borrowed longer than this, with the acquiring stack: a duration or "disabled". Default disabled. */
    private @Nullable String leakDetectionThreshold;

    /** Take back and close a connection borrowed longer than this: a duration or "disabled". Default disabled. */
    private @Nullable String leakReclaimAfter;

    /**
     * Most a borrower's statement waits without a byte from the server before its connection is closed: a duration
     * or "disabled". Set it above the longest statement. Default disabled.
     */
    private @Nullable String silenceTimeout;

    /** SQL run on every new connection, and again after a session reset. Default none. */
    private @Nullable String connectionInitSql;

    /**
     * What stands between the pool and PostgreSQL: SESSION (the server itself, or PgBouncer in session mode) or
     * TRANSACTION (PgBouncer in transaction mode: no server-side prepared statements, settings transaction-local).
     * Default SESSION.
     */
    private @Nullable ServerPooling serverPooling;

    /** Creates the properties with every pool option unset. */
    public TidepoolProperties() {
    }

    /**
     * The pool options that are set, by their Tidepool name ({@code maxSize}, {@code acquireTimeout}, ...), as the
     * builder's option parser takes them; a duration as ISO-8601 text.
     */
    public Map<String, String> options() {
        Map<String, String> options = new LinkedHashMap<>();
        put(options, "name", name);
        put(options, "maxSize", maxSize);
        put(options, "minIdle", minIdle);
        put(options, "initialSize", initialSize);
        put(options, "maxPendingAcquires", maxPendingAcquires);
        put(options, "acquireTimeout", acquireTimeout);
        put(options, "createTimeout", createTimeout);
        put(options, "validateAfterIdle", validateAfterIdle);
        put(options, "validationDepth", validationDepth);
        put(options, "validationQuery", validationQuery);
        put(options, "validationTimeout", validationTimeout);
        put(options, "maxIdleTime", maxIdleTime);
        put(options, "maxLifetime", maxLifetime);
        put(options, "keepaliveTime", keepaliveTime);
        put(options, "evictionInterval", evictionInterval);
        put(options, "closeTimeout", closeTimeout);
        put(options, "startTimeout", startTimeout);
        put(options, "leakDetectionThreshold", leakDetectionThreshold);
        put(options, "leakReclaimAfter", leakReclaimAfter);
        put(options, "silenceTimeout", silenceTimeout);
        put(options, "connectionInitSql", connectionInitSql);
        put(options, "serverPooling", serverPooling);
        return options;
    }

    private static void put(Map<String, String> options, String option, @Nullable Object value) {
        if (value != null) {
            options.put(option, value.toString());
        }
    }

    /** @return whether the pool is auto-configured */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether the pool is auto-configured */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @return whether the application needs the database to start */
    public boolean isRequired() {
        return required;
    }

    /** @param required whether the application needs the database to start */
    public void setRequired(boolean required) {
        this.required = required;
    }

    /** @return the pool's name, or null for the default */
    public @Nullable String getName() {
        return name;
    }

    /** @param name the pool's name */
    public void setName(@Nullable String name) {
        this.name = name;
    }

    /** @return most connections, or null for the default */
    public @Nullable Integer getMaxSize() {
        return maxSize;
    }

    /** @param maxSize most connections */
    public void setMaxSize(@Nullable Integer maxSize) {
        this.maxSize = maxSize;
    }

    /** @return idle connections kept, or null for the default */
    public @Nullable Integer getMinIdle() {
        return minIdle;
    }

    /** @param minIdle idle connections kept */
    public void setMinIdle(@Nullable Integer minIdle) {
        this.minIdle = minIdle;
    }

    /** @return connections the start opens, or null for the default */
    public @Nullable Integer getInitialSize() {
        return initialSize;
    }

    /** @param initialSize connections the start opens */
    public void setInitialSize(@Nullable Integer initialSize) {
        this.initialSize = initialSize;
    }

    /** @return callers allowed to wait, or null for the default */
    public @Nullable Integer getMaxPendingAcquires() {
        return maxPendingAcquires;
    }

    /** @param maxPendingAcquires callers allowed to wait */
    public void setMaxPendingAcquires(@Nullable Integer maxPendingAcquires) {
        this.maxPendingAcquires = maxPendingAcquires;
    }

    /** @return most an acquire waits, or null for the default */
    public @Nullable Duration getAcquireTimeout() {
        return acquireTimeout;
    }

    /** @param acquireTimeout most an acquire waits */
    public void setAcquireTimeout(@Nullable Duration acquireTimeout) {
        this.acquireTimeout = acquireTimeout;
    }

    /** @return most opening a connection takes, or null for the default */
    public @Nullable Duration getCreateTimeout() {
        return createTimeout;
    }

    /** @param createTimeout most opening a connection takes */
    public void setCreateTimeout(@Nullable Duration createTimeout) {
        this.createTimeout = createTimeout;
    }

    /** @return the idle time after which a connection is validated, "disabled", or null for the default */
    public @Nullable String getValidateAfterIdle() {
        return validateAfterIdle;
    }

    /** @param validateAfterIdle a duration or "disabled" */
    public void setValidateAfterIdle(@Nullable String validateAfterIdle) {
        this.validateAfterIdle = validateAfterIdle;
    }

    /** @return how connections are validated, or null for the default */
    public @Nullable ValidationDepth getValidationDepth() {
        return validationDepth;
    }

    /** @param validationDepth how connections are validated */
    public void setValidationDepth(@Nullable ValidationDepth validationDepth) {
        this.validationDepth = validationDepth;
    }

    /** @return the validation query, or null for none */
    public @Nullable String getValidationQuery() {
        return validationQuery;
    }

    /** @param validationQuery the validation query */
    public void setValidationQuery(@Nullable String validationQuery) {
        this.validationQuery = validationQuery;
    }

    /** @return most a validation takes, or null for the default */
    public @Nullable Duration getValidationTimeout() {
        return validationTimeout;
    }

    /** @param validationTimeout most a validation takes */
    public void setValidationTimeout(@Nullable Duration validationTimeout) {
        this.validationTimeout = validationTimeout;
    }

    /** @return the idle time before eviction, "disabled", or null for the default */
    public @Nullable String getMaxIdleTime() {
        return maxIdleTime;
    }

    /** @param maxIdleTime a duration or "disabled" */
    public void setMaxIdleTime(@Nullable String maxIdleTime) {
        this.maxIdleTime = maxIdleTime;
    }

    /** @return the age before retirement, "disabled", or null for the default */
    public @Nullable String getMaxLifetime() {
        return maxLifetime;
    }

    /** @param maxLifetime a duration or "disabled" */
    public void setMaxLifetime(@Nullable String maxLifetime) {
        this.maxLifetime = maxLifetime;
    }

    /** @return the keepalive period, "disabled", or null for the default */
    public @Nullable String getKeepaliveTime() {
        return keepaliveTime;
    }

    /** @param keepaliveTime a duration or "disabled" */
    public void setKeepaliveTime(@Nullable String keepaliveTime) {
        this.keepaliveTime = keepaliveTime;
    }

    /** @return the upkeep period, or null for the default */
    public @Nullable Duration getEvictionInterval() {
        return evictionInterval;
    }

    /** @param evictionInterval the upkeep period */
    public void setEvictionInterval(@Nullable Duration evictionInterval) {
        this.evictionInterval = evictionInterval;
    }

    /** @return how long closing waits for borrowed connections, or null for the default */
    public @Nullable Duration getCloseTimeout() {
        return closeTimeout;
    }

    /** @param closeTimeout how long closing waits for borrowed connections */
    public void setCloseTimeout(@Nullable Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
    }

    /** @return how long the start keeps trying, or null for the default */
    public @Nullable Duration getStartTimeout() {
        return startTimeout;
    }

    /** @param startTimeout how long the start keeps trying */
    public void setStartTimeout(@Nullable Duration startTimeout) {
        this.startTimeout = startTimeout;
    }

    /** @return the leak report threshold, "disabled", or null for the default */
    public @Nullable String getLeakDetectionThreshold() {
        return leakDetectionThreshold;
    }

    /** @param leakDetectionThreshold a duration or "disabled" */
    public void setLeakDetectionThreshold(@Nullable String leakDetectionThreshold) {
        this.leakDetectionThreshold = leakDetectionThreshold;
    }

    /** @return the reclaim threshold, "disabled", or null for the default */
    public @Nullable String getLeakReclaimAfter() {
        return leakReclaimAfter;
    }

    /** @param leakReclaimAfter a duration or "disabled" */
    public void setLeakReclaimAfter(@Nullable String leakReclaimAfter) {
        this.leakReclaimAfter = leakReclaimAfter;
    }

    /** @return the silence timeout, "disabled", or null for the default */
    public @Nullable String getSilenceTimeout() {
        return silenceTimeout;
    }

    /** @param silenceTimeout a duration or "disabled" */
    public void setSilenceTimeout(@Nullable String silenceTimeout) {
        this.silenceTimeout = silenceTimeout;
    }

    /** @return the SQL run on every new connection, or null for none */
    public @Nullable String getConnectionInitSql() {
        return connectionInitSql;
    }

    /** @param connectionInitSql SQL run on every new connection */
    public void setConnectionInitSql(@Nullable String connectionInitSql) {
        this.connectionInitSql = connectionInitSql;
    }

    /** @return what stands between the pool and PostgreSQL, or null for the default */
    public @Nullable ServerPooling getServerPooling() {
        return serverPooling;
    }

    /** @param serverPooling what stands between the pool and PostgreSQL */
    public void setServerPooling(@Nullable ServerPooling serverPooling) {
        this.serverPooling = serverPooling;
    }
}
