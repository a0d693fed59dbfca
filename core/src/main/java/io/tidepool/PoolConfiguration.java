package io.tidepool;

import io.tidepool.stats.PoolStats;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.ValidationDepth;
import io.tidepool.error.ErrorClassifier;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;

/**
 * The immutable configuration of one {@link TidepoolPool}, made by {@link #builder()}.
 *
 * <p>Every value is checked when it is set and again, with the rules that tie options together, at
 * {@link Builder#build()}: a bad value fails with an {@link IllegalArgumentException} whose message names the option,
 * the rule and the value, e.g. {@code "maxSize must be at least 1, was 0"}. Nothing is silently corrected.
 *
 * <p>Features that can be turned off are turned off by a named method ({@link Builder#validationDisabled()},
 * {@link Builder#idleEvictionDisabled()}, {@link Builder#maxLifetimeDisabled()}, {@link Builder#keepaliveDisabled()})
 * and read back as an empty {@link Optional}: there are no negative or zero sentinels.
 *
 * <p>The defaults are safe for production: every wait is bounded (acquire, create, validation, close), the queue of
 * waiting callers is bounded, idle connections are evicted down to {@code minIdle}, idle connections are pinged so a
 * dead one is found before a borrower gets it, and connections are retired after a jittered maximum lifetime so that
 * a pool never recycles all its connections at once.
 *
 * <p>{@link #toString()} never shows a password.
 */
public final class PoolConfiguration {

    /** The R2DBC driver name that selects Tidepool: {@code r2dbc:tidepool:postgresql://...}. */
    public static final String R2DBC_DRIVER = "tidepool";
    /** Default {@link Builder#name(String)}. */
    public static final String DEFAULT_NAME = "tidepool";
    /** Default {@link Builder#maxSize(int)}. */
    public static final int DEFAULT_MAX_SIZE = 10;
    /** Default {@link Builder#maxPendingAcquires(int)}. */
    public static final int DEFAULT_MAX_PENDING_ACQUIRES = 1000;
    /**
     * The default number of server connections the multiplexed lane shares: the processors, at least 2 and at most 4
     * (one per event loop pipelines best; measured on 2 cores, SELECT 1 with 64 in flight: 1 connection 144k/s, 2
     * 200k/s, 4 197k/s, 8 161k/s).
     */
    public static final int DEFAULT_MULTIPLEX_CONNECTIONS =
            Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    /**
     * The fewest server connections a lane may grow to by default, {@value}: the default
     * {@link #multiplexMaxConnections()} is twice {@link #multiplexConnections()}, and at least this. Slow statements
     * hold up what was sent behind them; on 2 cores with 64 in flight and one statement in 1,000 a 50 ms
     * {@code pg_sleep}, a lane of 2 that could grow to 4 read a p99 91 times plain {@code SELECT 1}'s, one that could
     * grow to 8 1.5 times.
     */
    public static final int MULTIPLEX_GROWTH_FLOOR = 8;
    /** The default number of statements in flight per lane connection, {@value}. */
    public static final int DEFAULT_MULTIPLEX_DEPTH = 16;
    /** Default {@link Builder#acquireTimeout(Duration)}. */
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@link Builder#createTimeout(Duration)}. */
    public static final Duration DEFAULT_CREATE_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@link Builder#validateAfterIdle(Duration)}. */
    public static final Duration DEFAULT_VALIDATE_AFTER_IDLE = Duration.ofMillis(500);
    /** Default {@link Builder#validationTimeout(Duration)}. */
    public static final Duration DEFAULT_VALIDATION_TIMEOUT = Duration.ofSeconds(2);
    /** Default {@link Builder#maxIdleTime(Duration)}. */
    public static final Duration DEFAULT_MAX_IDLE_TIME = Duration.ofMinutes(10);
    /** Default {@link Builder#maxLifetime(Duration)}. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(30);
    /** Default {@link Builder#keepaliveTime(Duration)}. */
    public static final Duration DEFAULT_KEEPALIVE_TIME = Duration.ofMinutes(2);
    /** The longest derived {@link #evictionInterval()}: upkeep runs at least this often. */
    public static final Duration MAX_DERIVED_EVICTION_INTERVAL = Duration.ofSeconds(30);
    /** The shortest derived {@link #evictionInterval()}, in ms: upkeep never runs more often than this unless set. */
    public static final long MIN_DERIVED_EVICTION_INTERVAL_MILLIS = 100;
    /** The shortest derived {@link #evictionInterval()}: upkeep never runs more often than this unless set. */
    public static final Duration MIN_DERIVED_EVICTION_INTERVAL = Duration.ofMillis(MIN_DERIVED_EVICTION_INTERVAL_MILLIS);
    /** Default {@link Builder#closeTimeout(Duration)}. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link Builder#startTimeout(Duration)}. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,63}");

    private final String name;
    private final @Nullable ConnectionFactory connectionFactory;
    private final @Nullable ConnectionFactoryOptions driverOptions;
    private final int maxSize;
    private final int minIdle;
    private final int initialSize;
    private final int maxPendingAcquires;
    private final Duration acquireTimeout;
    private final Duration createTimeout;
    private final @Nullable Duration validateAfterIdle;
    private final ValidationDepth validationDepth;
    private final @Nullable String validationQuery;
    private final Duration validationTimeout;
    private final @Nullable Duration maxIdleTime;
    private final @Nullable Duration maxLifetime;
    private final @Nullable Duration keepaliveTime;
    private final Duration evictionInterval;
    private final Duration closeTimeout;
    private final Duration startTimeout;
    private final Clock clock;
    private final Scheduler scheduler;
    private final ErrorClassifier errorClassifier;
    private final @Nullable Duration leakDetectionThreshold;
    private final @Nullable Duration leakReclaimAfter;
    private final RetryPolicy transactionRetry;
    private final @Nullable Supplier<? extends Publisher<? extends CharSequence>> passwordSupplier;
    private final @Nullable String connectionInitSql;
    private final @Nullable Duration silenceTimeout;
    private final @Nullable Function<? super Connection, ? extends Publisher<?>> postAllocate;
    private final @Nullable Function<? super Connection, ? extends Publisher<?>> preRelease;
    private final ServerPooling serverPooling;
    private final ProtocolClient client;
    private final boolean multiplex;
    private final int multiplexConnections;
    private final int multiplexDepth;
    private final int multiplexMaxConnections;

    private PoolConfiguration(Builder b, @Nullable ConnectionFactoryOptions driverOptions,
                              Duration validationTimeout, Duration evictionInterval) {
        this.name = b.name;
        this.connectionFactory = b.connectionFactory;
        this.driverOptions = driverOptions;
        this.maxSize = b.maxSize;
        this.minIdle = b.minIdle;
        this.initialSize = b.initialSize;
        this.maxPendingAcquires = b.maxPendingAcquires;
        this.acquireTimeout = b.acquireTimeout;
        this.createTimeout = b.createTimeout;
        this.validateAfterIdle = b.validateAfterIdle;
        this.validationDepth = b.validationDepth;
        this.validationQuery = b.validationQuery;
        this.validationTimeout = validationTimeout;
        this.maxIdleTime = b.maxIdleTime;
        this.maxLifetime = b.maxLifetime;
        this.keepaliveTime = b.keepaliveTime;
        this.evictionInterval = evictionInterval;
        this.closeTimeout = b.closeTimeout;
        this.startTimeout = b.startTimeout;
        this.clock = b.clock;
        this.scheduler = b.scheduler;
        this.errorClassifier = b.errorClassifier;
        this.leakDetectionThreshold = b.leakDetectionThreshold;
        this.leakReclaimAfter = b.leakReclaimAfter;
        this.transactionRetry = b.transactionRetry;
        this.passwordSupplier = b.passwordSupplier;
        this.connectionInitSql = b.connectionInitSql;
        this.silenceTimeout = b.silenceTimeout;
        this.postAllocate = b.postAllocate;
        this.preRelease = b.preRelease;
        this.serverPooling = b.serverPooling;
        this.client = b.client;
        this.multiplex = b.multiplex;
        this.multiplexConnections = b.multiplexConnections;
        this.multiplexDepth = b.multiplexDepth;
        this.multiplexMaxConnections = b.multiplexMaxConnections > 0 ? b.multiplexMaxConnections
                : Math.min(128, Math.max(2 * b.multiplexConnections, MULTIPLEX_GROWTH_FLOOR));
    }

    /** A builder with every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The pool's name: in every message, metric tag and, unless set otherwise, the server's {@code application_name}. */
    public String name() {
        return name;
    }

    /** The factory connections come from, when one was given to {@link Builder#connectionFactory(ConnectionFactory)}. */
    public Optional<ConnectionFactory> connectionFactory() {
        return Optional.ofNullable(connectionFactory);
    }

    /**
     * The r2dbc-postgresql options connections are opened with, when the pool was configured by URL or options: the
     * driver set to {@code postgresql}, {@code applicationName} defaulted to the pool's name, everything else as given.
     * Pool options ({@code maxSize}, ...) stay in them, as R2DBC's options cannot drop a key; r2dbc-postgresql ignores
     * them. The password, if any, is among them: never log these options.
     */
    public Optional<ConnectionFactoryOptions> driverOptions() {
        return Optional.ofNullable(driverOptions);
    }

    /** The most connections the pool opens. Default {@value #DEFAULT_MAX_SIZE}. */
    public int maxSize() {
        return maxSize;
    }

    /**
     * How many idle connections the pool keeps ready: idle eviction never takes the idle count below it, and the pool
     * opens connections (within {@code maxSize}) whenever fewer are idle: right after one closes (retired, evicted or
     * broken) and on every upkeep beat ({@link #evictionInterval()}). From {@code start()}, or from its first use when
     * it was not started. Default 0.
     */
    public int minIdle() {
        return minIdle;
    }

    /**
     * How many connections {@link TidepoolPool#start()} opens, at least {@link #minIdle()}; a pool used without
     * {@code start()} opens them in the background on its first use. Default 0.
     */
    public int initialSize() {
        return initialSize;
    }

    /** How many callers may wait for a connection; one more fails at once. Default {@value #DEFAULT_MAX_PENDING_ACQUIRES}. */
    public int maxPendingAcquires() {
        return maxPendingAcquires;
    }

    /** The most an acquire waits, validation and replacement of invalid connections included. Default 10 s. */
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    /** The most opening one connection may take. Default 5 s. */
    public Duration createTimeout() {
        return createTimeout;
    }

    /**
     * A connection idle for longer than this is validated before it is handed out; one used more recently is not
     * (the server has just answered on it). Empty when validation is disabled. Default 500 ms.
     */
    public Optional<Duration> validateAfterIdle() {
        return Optional.ofNullable(validateAfterIdle);
    }

    /** {@code LOCAL} checks the socket only; {@code REMOTE} makes a round trip. Default {@code REMOTE}. */
    public ValidationDepth validationDepth() {
        return validationDepth;
    }

    /** A query to validate with instead of the driver's own check, with {@code REMOTE} depth. Default none. */
    public Optional<String> validationQuery() {
        return Optional.ofNullable(validationQuery);
    }

    /**
     * The most a validation or a reset on release may take before the connection is discarded. Default 2 s, or half
     * of {@code acquireTimeout} when that is shorter than 4 s.
     */
    public Duration validationTimeout() {
        return validationTimeout;
    }

    /** An idle connection beyond {@link #minIdle()} is closed after this long. Empty when disabled. Default 10 min. */
    public Optional<Duration> maxIdleTime() {
        return Optional.ofNullable(maxIdleTime);
    }

    /**
     * A connection is retired after this long, less a random jitter of up to a tenth of it, so that connections
     * opened together do not all close together. Empty when disabled. Default 30 min.
     */
    public Optional<Duration> maxLifetime() {
        return Optional.ofNullable(maxLifetime);
    }

    /**
     * An idle connection nobody has used or checked for this long is pinged (a validation, see
     * {@link #validationDepth()} and {@link #validationQuery()}) in the background, and closed if the ping fails: a
     * socket the network silently dropped (a firewall's or load balancer's idle timeout, a failover) is found before
     * a borrower gets it, and the traffic keeps such idle timeouts from firing. The check runs every half of this
     * period, so a connection is pinged between one and one and a half periods after it was last used or checked.
     * While pinging, the pool briefly holds its idle connections (a borrower arriving then may open a new one).
     * A ping does not count as use: idle eviction still closes connections unused for {@link #maxIdleTime()}.
     * Empty when disabled. Default 2 min.
     */
    public Optional<Duration> keepaliveTime() {
        return Optional.ofNullable(keepaliveTime);
    }

    /**
     * How often the background upkeep evicts idle and expired connections and refills {@code minIdle}. Unless set,
     * a tenth of the shortest of {@link #maxIdleTime()}, {@link #maxLifetime()} and {@link #keepaliveTime()}, within
     * {@value #MIN_DERIVED_EVICTION_INTERVAL_MILLIS} ms and 30 s: each of them is then honoured within a tenth of its
     * value (12 s with the defaults, from the 2 min keepalive; 30 s when all three are disabled).
     */
    public Duration evictionInterval() {
        return evictionInterval;
    }

    /** How long {@link TidepoolPool#close()} waits for borrowed connections before closing them anyway. Default 30 s. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** How long {@link TidepoolPool#start()} keeps trying before it gives up. Default 30 s. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** The clock idle times and lifetimes are measured with. Default {@link Clock#systemUTC()}. */
    public Clock clock() {
        return clock;
    }

    /** The scheduler timers run on: acquire timeouts, upkeep, backoff. Default {@link Schedulers#parallel()}. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** How errors are classified: which close their connection, which end a start at once. Default {@link ErrorClassifier#defaults()}. */
    public ErrorClassifier errorClassifier() {
        return errorClassifier;
    }

    /**
     * A connection borrowed for longer than this is reported as a suspected leak: a WARN with the pool, how long it
     * has been held and the stack that acquired it, a {@link PoolListener#leakSuspected} event and a count in
     * {@link PoolStats#leaks()}. Empty when disabled, the default: then the acquire path pays nothing for it.
     */
    public Optional<Duration> leakDetectionThreshold() {
        return Optional.ofNullable(leakDetectionThreshold);
    }

    /**
     * A connection borrowed for longer than this is taken back and closed; its borrower's next use fails with an
     * {@link IllegalStateException} that says so. Empty when disabled, the default.
     */
    public Optional<Duration> leakReclaimAfter() {
        return Optional.ofNullable(leakReclaimAfter);
    }

    /**
     * How {@link TidepoolPool#inTransaction} retries a transaction that lost a conflict (40001 serialization failure,
     * 40P01 deadlock): the whole transaction, on a fresh one. Default {@link RetryPolicy#defaults()}.
     */
    public RetryPolicy transactionRetry() {
        return transactionRetry;
    }

    /**
     * Where the password for each new connection comes from, when it rotates: asked once per connection opened, so a
     * rotated password needs no restart ({@link TidepoolPool#evictAll()} retires connections opened with the old
     * one). Empty when the password is fixed in the URL or options.
     */
    public Optional<Supplier<? extends Publisher<? extends CharSequence>>> passwordSupplier() {
        return Optional.ofNullable(passwordSupplier);
    }

    /**
     * The longest a borrower's statement may wait without a byte from the server (the role pgjdbc's
     * {@code socketTimeout} plays): past it, the connection is closed and the statement fails with a
     * {@link io.tidepool.error.ConnectionSilentException} (a transient connection error). It bounds a silent network
     * (a blackhole holds the bytes and closes nothing, and the kernel gives up only after about 15 minutes), but it
     * also ends a statement that legitimately computes for longer before its first row: set it above the longest
     * such statement, or leave it disabled and bound statements with the server's {@code statement_timeout}. A
     * borrower that stops reading a result for longer also counts as silence. Checked every quarter of its value.
     * Empty when disabled, the default (docs/adr/0007-silent-network.md says why).
     */
    public Optional<Duration> silenceTimeout() {
        return Optional.ofNullable(silenceTimeout);
    }

    /**
     * SQL run on every new connection before anyone borrows it (HikariCP's {@code connectionInitSql}), and again
     * after a session reset (see {@link TidepoolPool}): for example {@code SET search_path TO app}. Session state
     * set here is the connection's baseline, never taken for a borrower's change. Empty when none, the default.
     */
    public Optional<String> connectionInitSql() {
        return Optional.ofNullable(connectionInitSql);
    }

    /**
     * Work run on every new connection after {@link #connectionInitSql()} (r2dbc-pool's {@code postAllocate}), and
     * again after a session reset. Empty when none, the default.
     */
    public Optional<Function<? super Connection, ? extends Publisher<?>>> postAllocate() {
        return Optional.ofNullable(postAllocate);
    }

    /**
     * Work run on every borrowed connection as it is returned, before the pool decides whether it needs a reset
     * (r2dbc-pool's {@code preRelease}); a failure closes the connection. It costs a round trip on every return if
     * it makes one. Empty when none, the default.
     */
    public Optional<Function<? super Connection, ? extends Publisher<?>>> preRelease() {
        return Optional.ofNullable(preRelease);
    }

    /** {@code postgresql://user@host:port/database} from driver options, never a password. */
    private static String describe(ConnectionFactoryOptions options) {
        Object user = options.getValue(ConnectionFactoryOptions.USER);
        Object host = options.getValue(ConnectionFactoryOptions.HOST);
        Object port = options.getValue(ConnectionFactoryOptions.PORT);
        Object database = options.getValue(ConnectionFactoryOptions.DATABASE);
        return "postgresql://" + (user == null ? "" : user + "@") + (host == null ? "localhost" : host)
                + (port == null ? "" : ":" + port) + "/" + (database == null ? "" : database);
    }

    /** Every option, and where connections go; never a password. */
    @Override
    public String toString() {
        return "PoolConfiguration{name=" + name + ", target=" + target() + ", maxSize=" + maxSize + ", minIdle="
                + minIdle + ", initialSize=" + initialSize + ", maxPendingAcquires=" + maxPendingAcquires
                + ", acquireTimeout=" + acquireTimeout + ", createTimeout=" + createTimeout + ", validateAfterIdle="
                + (validateAfterIdle == null ? "disabled" : validateAfterIdle) + ", validationDepth=" + validationDepth
                + ", validationQuery=" + (validationQuery == null ? "none" : validationQuery) + ", validationTimeout="
                + validationTimeout + ", maxIdleTime=" + (maxIdleTime == null ? "disabled" : maxIdleTime)
                + ", maxLifetime=" + (maxLifetime == null ? "disabled" : maxLifetime) + ", keepaliveTime="
                + (keepaliveTime == null ? "disabled" : keepaliveTime) + ", evictionInterval="
                + evictionInterval + ", closeTimeout=" + closeTimeout + ", startTimeout=" + startTimeout
                + ", leakDetectionThreshold=" + (leakDetectionThreshold == null ? "disabled" : leakDetectionThreshold)
                + ", leakReclaimAfter=" + (leakReclaimAfter == null ? "disabled" : leakReclaimAfter)
                + ", silenceTimeout=" + (silenceTimeout == null ? "disabled" : silenceTimeout)
                + ", connectionInitSql=" + (connectionInitSql == null ? "none" : connectionInitSql)
                + ", postAllocate=" + (postAllocate == null ? "none" : "set")
                + ", preRelease=" + (preRelease == null ? "none" : "set")
                + ", serverPooling=" + serverPooling + ", client=" + client.urlValue()
                + (multiplex ? ", multiplex=true, multiplexConnections=" + multiplexConnections + ", multiplexDepth="
                        + multiplexDepth + ", multiplexMaxConnections=" + multiplexMaxConnections : "") + "}";
    }

    /**
     * Whether borrowers get virtual connections whose auto-commit statements are pipelined over a few shared server
     * connections (the multiplexed lane; {@code docs/concepts.md} says when it pays). A borrower that begins a
     * transaction or changes its session moves to a connection of its own from the pool of {@link #maxSize()}, for
     * the rest of its borrowing ({@code docs/multiplexing.md} lists the rules). Needs {@code client=native}. URL
     * option {@code multiplex=true}. Default {@code false}.
     */
    public boolean multiplexed() {
        return multiplex;
    }

    /**
     * The server connections the multiplexed lane shares among borrowers, opened by {@code start()} or the first
     * use and replaced when lost; they are not part of {@link #maxSize()}. Default
     * {@link #DEFAULT_MULTIPLEX_CONNECTIONS}: the processors, 2 to 4. Meaningful only when {@link #multiplexed()}.
     */
    public int multiplexConnections() {
        return multiplexConnections;
    }

    /**
     * The most server connections this pool holds at once: {@link #maxSize()}, plus
     * {@link #multiplexMaxConnections()} when it multiplexes. The figure a connection budget adds up (the registry's
     * budget, each pool's share of the server in health).
     */
    public int maxServerConnections() {
        return maxSize + (multiplex ? multiplexMaxConnections : 0);
    }

    /**
     * The most server connections the lane opens while slow statements hold some of its connections up (each silent
     * for 10 ms while it has work, while others move): it adds one at a time, up to this, and closes what it added once the connections
     * are idle again, so that a slow statement holds up only what was already sent behind it. Default twice
     * {@link #multiplexConnections()} and at least {@value #MULTIPLEX_GROWTH_FLOOR}; equal to it for a lane that
     * never grows. Meaningful only when {@link #multiplexed()}.
     */
    public int multiplexMaxConnections() {
        return multiplexMaxConnections;
    }

    /**
     * Statements in flight on one lane connection before the next one waits for room (in one queue, for whichever
     * connection answers first). Deeper pipelines batch more per round trip; shallower ones leave fewer statements
     * behind a slow one. Default {@value #DEFAULT_MULTIPLEX_DEPTH}. Meaningful only when {@link #multiplexed()}.
     */
    public int multiplexDepth() {
        return multiplexDepth;
    }

    /**
     * Whether a pooler between the pool and the server (PgBouncer) lends server backends per transaction; see
     * {@link ServerPooling#TRANSACTION} for what Tidepool then does differently. Default {@link ServerPooling#SESSION}.
     */
    public ServerPooling serverPooling() {
        return serverPooling;
    }

    /**
     * The protocol client connections are opened with, when the pool was configured by URL or options (a
     * {@code connectionFactory} is its own client). Default {@link ProtocolClient#R2DBC_POSTGRESQL}.
     */
    public ProtocolClient client() {
        return client;
    }

    /**
     * Whether connections go to whichever of several hosts is the primary now (a failover URL with
     * {@code targetServerType=primary}): the pool then retires every connection when the primary is gone or
     * read-only, once per failover.
     */
    public boolean followsPrimary() {
        return driverOptions != null && PoolOptions.targetsPrimary(driverOptions);
    }

    /** Where connections go, for messages: {@code postgresql://user@host:port/database}, never a password. */
    public String target() {
        if (driverOptions != null) {
            return describe(driverOptions);
        }
        return Objects.requireNonNull(connectionFactory).getMetadata().getName() + " connection factory";
    }

    /**
     * Builds a {@link PoolConfiguration}. Not thread-safe; every setter checks its value at once and returns this
     * builder; {@link #build()} checks the rules between options.
     */
    public static final class Builder {

        private String name = DEFAULT_NAME;
        private @Nullable ConnectionFactory connectionFactory;
        private @Nullable ConnectionFactoryOptions options;
        private int maxSize = DEFAULT_MAX_SIZE;
        private int minIdle;
        private int initialSize;
        private int maxPendingAcquires = DEFAULT_MAX_PENDING_ACQUIRES;
        private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
        private Duration createTimeout = DEFAULT_CREATE_TIMEOUT;
        private @Nullable Duration validateAfterIdle = DEFAULT_VALIDATE_AFTER_IDLE;
        private ValidationDepth validationDepth = ValidationDepth.REMOTE;
        private @Nullable String validationQuery;
        private @Nullable Duration validationTimeout;
        private @Nullable Duration maxIdleTime = DEFAULT_MAX_IDLE_TIME;
        private @Nullable Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private @Nullable Duration keepaliveTime = DEFAULT_KEEPALIVE_TIME;
        private @Nullable Duration evictionInterval;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private Clock clock = Clock.systemUTC();
        private Scheduler scheduler = Schedulers.parallel();
        private ErrorClassifier errorClassifier = ErrorClassifier.defaults();
        private @Nullable Duration leakDetectionThreshold;
        private @Nullable Duration leakReclaimAfter;
        private RetryPolicy transactionRetry = RetryPolicy.defaults();
        private @Nullable Supplier<? extends Publisher<? extends CharSequence>> passwordSupplier;
        private @Nullable String connectionInitSql;
        private @Nullable Duration silenceTimeout;
        private @Nullable Function<? super Connection, ? extends Publisher<?>> postAllocate;
        private @Nullable Function<? super Connection, ? extends Publisher<?>> preRelease;
        private boolean validateAfterIdleSet;
        private ServerPooling serverPooling = ServerPooling.SESSION;
        private ProtocolClient client = ProtocolClient.R2DBC_POSTGRESQL;
        private boolean multiplex;
        private int multiplexConnections = DEFAULT_MULTIPLEX_CONNECTIONS;
        private int multiplexDepth = DEFAULT_MULTIPLEX_DEPTH;
        private int multiplexMaxConnections;

        private Builder() {
        }

        /**
         * Connect with an R2DBC URL: {@code r2dbc:postgresql://user:password@host:5432/database?maxSize=10}, or the
         * same with {@code r2dbc:tidepool:postgresql:} or r2dbc-pool's {@code r2dbc:pool:postgresql:}. Pool options
         * in the query (by their Tidepool name or their r2dbc-pool alias) are applied to this builder as if their
         * setters had been called; every other option goes to the driver.
         *
         * @throws IllegalArgumentException if the URL is not an R2DBC PostgreSQL URL or an option's value is bad; the
         *         message never contains the password
         */
        public Builder url(String url) {
            return options(PoolOptions.parseUrl(url));
        }

        /**
         * Connect with R2DBC options, as {@link io.r2dbc.spi.ConnectionFactories#get(ConnectionFactoryOptions)} takes
         * them. Pool options among them are applied to this builder; the rest go to r2dbc-postgresql.
         */
        public Builder options(ConnectionFactoryOptions options) {
            notNull("options", options);
            this.options = PoolOptions.apply(options, this);
            return this;
        }

        /** Connect with a factory of your own instead of a URL; the pool closes what it creates. */
        public Builder connectionFactory(ConnectionFactory connectionFactory) {
            this.connectionFactory = notNull("connectionFactory", connectionFactory);
            return this;
        }

        /** The pool's name, 1 to 63 letters, digits, '.', '_' or '-'. Default {@value #DEFAULT_NAME}. */
        public Builder name(String name) {
            notNull("name", name);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "name must be 1 to 63 letters, digits, '.', '_' or '-', was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** The most connections the pool opens; at least 1. */
        public Builder maxSize(int maxSize) {
            this.maxSize = atLeast("maxSize", maxSize, 1);
            return this;
        }

        /** Idle connections kept by eviction and refilled by upkeep; 0 to {@code maxSize}. */
        public Builder minIdle(int minIdle) {
            this.minIdle = atLeast("minIdle", minIdle, 0);
            return this;
        }

        /** Connections opened by {@link TidepoolPool#start()}; 0 to {@code maxSize}. */
        public Builder initialSize(int initialSize) {
            this.initialSize = atLeast("initialSize", initialSize, 0);
            return this;
        }

        /** Callers allowed to wait for a connection; 0 makes an acquire fail at once when none is free. */
        public Builder maxPendingAcquires(int maxPendingAcquires) {
            this.maxPendingAcquires = atLeast("maxPendingAcquires", maxPendingAcquires, 0);
            return this;
        }

        /** The most an acquire waits; positive. */
        public Builder acquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = positive("acquireTimeout", acquireTimeout);
            return this;
        }

        /** The most opening one connection may take; positive. */
        public Builder createTimeout(Duration createTimeout) {
            this.createTimeout = positive("createTimeout", createTimeout);
            return this;
        }

        /** Validate a connection idle for longer than this before handing it out; zero validates every time. */
        public Builder validateAfterIdle(Duration validateAfterIdle) {
            this.validateAfterIdle = notNegative("validateAfterIdle", validateAfterIdle);
            this.validateAfterIdleSet = true;
            return this;
        }

        /** Never validate on acquire: a broken connection is then found by its first use. */
        public Builder validationDisabled() {
            this.validateAfterIdle = null;
            this.validateAfterIdleSet = true;
            return this;
        }

        /** {@code LOCAL} (socket only) or {@code REMOTE} (a round trip). */
        public Builder validationDepth(ValidationDepth validationDepth) {
            this.validationDepth = notNull("validationDepth", validationDepth);
            return this;
        }

        /**
         * A query to validate with (e.g. {@code SELECT 1}) instead of the driver's check; not blank. Unless
         * {@link #validateAfterIdle} (or {@link #validationDisabled}) is also set, it validates every acquire, as
         * r2dbc-pool does with its {@code validationQuery}: a user who migrates keeps that contract.
         */
        public Builder validationQuery(String validationQuery) {
            notNull("validationQuery", validationQuery);
            if (validationQuery.isBlank()) {
                throw new IllegalArgumentException("validationQuery must not be blank, was '" + validationQuery + "'");
            }
            this.validationQuery = validationQuery;
            return this;
        }

        /** The most a validation or a reset on release may take; positive, less than {@code acquireTimeout}. */
        public Builder validationTimeout(Duration validationTimeout) {
            this.validationTimeout = positive("validationTimeout", validationTimeout);
            return this;
        }

        /** Close idle connections beyond {@code minIdle} after this long; positive. */
        public Builder maxIdleTime(Duration maxIdleTime) {
            this.maxIdleTime = positive("maxIdleTime", maxIdleTime);
            return this;
        }

        /** Never close a connection for being idle. */
        public Builder idleEvictionDisabled() {
            this.maxIdleTime = null;
            return this;
        }

        /** Retire connections after this long (less up to 10% jitter); positive. */
        public Builder maxLifetime(Duration maxLifetime) {
            this.maxLifetime = positive("maxLifetime", maxLifetime);
            return this;
        }

        /** Never retire a connection for its age. */
        public Builder maxLifetimeDisabled() {
            this.maxLifetime = null;
            return this;
        }

        /** Ping idle connections unused and unchecked for this long; at least 1 s. See {@link PoolConfiguration#keepaliveTime()}. */
        public Builder keepaliveTime(Duration keepaliveTime) {
            positive("keepaliveTime", keepaliveTime);
            if (keepaliveTime.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("keepaliveTime must be at least 1 s, was " + keepaliveTime);
            }
            this.keepaliveTime = keepaliveTime;
            return this;
        }

        /** Never ping idle connections in the background (validation on acquire still checks them). */
        public Builder keepaliveDisabled() {
            this.keepaliveTime = null;
            return this;
        }

        /** How often background upkeep runs; positive. Unset, it is derived: see {@link PoolConfiguration#evictionInterval()}. */
        public Builder evictionInterval(Duration evictionInterval) {
            this.evictionInterval = positive("evictionInterval", evictionInterval);
            return this;
        }

        /** How long close waits for borrowed connections; zero closes them at once. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = notNegative("closeTimeout", closeTimeout);
            return this;
        }

        /** How long start keeps retrying; positive. */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = positive("startTimeout", startTimeout);
            return this;
        }

        /** The clock idle times and lifetimes are measured with (tests pass a virtual one). */
        public Builder clock(Clock clock) {
            this.clock = notNull("clock", clock);
            return this;
        }

        /** The scheduler timers run on (tests pass a {@code VirtualTimeScheduler}). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = notNull("scheduler", scheduler);
            return this;
        }

        /** See {@link PoolConfiguration#leakDetectionThreshold()}; for example 30 s for a service whose work takes ms. */
        public Builder leakDetectionThreshold(Duration leakDetectionThreshold) {
            this.leakDetectionThreshold = positive("leakDetectionThreshold", leakDetectionThreshold);
            return this;
        }

        /** Turns leak detection off (the default). */
        public Builder leakDetectionDisabled() {
            this.leakDetectionThreshold = null;
            return this;
        }

        /** See {@link PoolConfiguration#leakReclaimAfter()}. Must exceed {@code leakDetectionThreshold} when both are set. */
        public Builder leakReclaimAfter(Duration leakReclaimAfter) {
            this.leakReclaimAfter = positive("leakReclaimAfter", leakReclaimAfter);
            return this;
        }

        /** Turns reclaiming of leaked connections off (the default). */
        public Builder leakReclaimDisabled() {
            this.leakReclaimAfter = null;
            return this;
        }

        /**
         * See {@link PoolConfiguration#passwordSupplier()}: called for every new connection, for example
         * {@code () -> vault.read("db/orders").map(Secret::password)}. Needs {@code url} or {@code options}.
         */
        public Builder passwordSupplier(Supplier<? extends Publisher<? extends CharSequence>> passwordSupplier) {
            this.passwordSupplier = notNull("passwordSupplier", passwordSupplier);
            return this;
        }

        /** See {@link PoolConfiguration#silenceTimeout()}; positive. */
        public Builder silenceTimeout(Duration silenceTimeout) {
            this.silenceTimeout = positive("silenceTimeout", silenceTimeout);
            return this;
        }

        /** No bound on a statement waiting for the server (the default). */
        public Builder silenceTimeoutDisabled() {
            this.silenceTimeout = null;
            return this;
        }

        /** See {@link PoolConfiguration#connectionInitSql()}; not blank. */
        public Builder connectionInitSql(String connectionInitSql) {
            notNull("connectionInitSql", connectionInitSql);
            if (connectionInitSql.isBlank()) {
                throw new IllegalArgumentException(
                        "connectionInitSql must not be blank, was '" + connectionInitSql + "'");
            }
            this.connectionInitSql = connectionInitSql;
            return this;
        }

        /** See {@link PoolConfiguration#postAllocate()}. */
        public Builder postAllocate(Function<? super Connection, ? extends Publisher<?>> postAllocate) {
            this.postAllocate = notNull("postAllocate", postAllocate);
            return this;
        }

        /** See {@link PoolConfiguration#preRelease()}. */
        public Builder preRelease(Function<? super Connection, ? extends Publisher<?>> preRelease) {
            this.preRelease = notNull("preRelease", preRelease);
            return this;
        }

        /** See {@link PoolConfiguration#transactionRetry()}; {@link RetryPolicy#none()} turns retrying off. */
        public Builder transactionRetry(RetryPolicy transactionRetry) {
            this.transactionRetry = notNull("transactionRetry", transactionRetry);
            return this;
        }

        /**
         * {@link ServerPooling#TRANSACTION} when connections go through PgBouncer (or another pooler) in transaction
         * pooling mode: Tidepool then keeps nothing on a server backend beyond one transaction (no named prepared
         * statements, transaction-local timeouts and isolation). URL option {@code serverPooling=transaction}.
         * Default {@link ServerPooling#SESSION}.
         */
        public Builder serverPooling(ServerPooling serverPooling) {
            this.serverPooling = notNull("serverPooling", serverPooling);
            return this;
        }

        /** See {@link PoolConfiguration#multiplexed()}; URL option {@code multiplex=true}. */
        public Builder multiplex(boolean multiplex) {
            this.multiplex = multiplex;
            return this;
        }

        /** See {@link PoolConfiguration#multiplexConnections()}; 1 to 64. URL option {@code multiplexConnections}. */
        public Builder multiplexConnections(int connections) {
            this.multiplexConnections = atLeast("multiplexConnections", connections, 1);
            if (connections > 64) {
                throw new IllegalArgumentException("multiplexConnections must be at most 64, was " + connections);
            }
            return this;
        }

        /**
         * See {@link PoolConfiguration#multiplexMaxConnections()}; at least {@code multiplexConnections}, at most 128.
         * URL option {@code multiplexMaxConnections}.
         */
        public Builder multiplexMaxConnections(int connections) {
            this.multiplexMaxConnections = atLeast("multiplexMaxConnections", connections, 1);
            if (connections > 128) {
                throw new IllegalArgumentException("multiplexMaxConnections must be at most 128, was " + connections);
            }
            return this;
        }

        /** See {@link PoolConfiguration#multiplexDepth()}; 1 to 256. URL option {@code multiplexDepth}. */
        public Builder multiplexDepth(int depth) {
            this.multiplexDepth = atLeast("multiplexDepth", depth, 1);
            if (depth > io.tidepool.pg.PgConnectionConfiguration.DEFAULT_PIPELINE_LIMIT) {
                throw new IllegalArgumentException("multiplexDepth must be at most "
                        + io.tidepool.pg.PgConnectionConfiguration.DEFAULT_PIPELINE_LIMIT + ", was " + depth);
            }
            return this;
        }

        /** See {@link PoolConfiguration#client()}; URL option {@code client=native} or {@code client=r2dbc-postgresql}. */
        public Builder client(ProtocolClient client) {
            this.client = notNull("client", client);
            return this;
        }

        /**
         * The classifier that decides which errors close their connection and which end a start at once; override
         * rows with {@link ErrorClassifier#withSqlState}. Default {@link ErrorClassifier#defaults()}.
         */
        public Builder errorClassifier(ErrorClassifier errorClassifier) {
            this.errorClassifier = notNull("errorClassifier", errorClassifier);
            return this;
        }

        /**
         * Checks the rules between options and makes the configuration.
         *
         * @throws IllegalArgumentException naming the first rule broken, its options and their values
         */
        public PoolConfiguration build() {
            if (connectionFactory == null && options == null) {
                throw new IllegalArgumentException("url must be set (or options, or connectionFactory), was not set");
            }
            if (connectionFactory != null && options != null) {
                throw new IllegalArgumentException(
                        "connectionFactory must not be set together with url or options, was both");
            }
            if (passwordSupplier != null && connectionFactory != null) {
                throw new IllegalArgumentException(
                        "passwordSupplier needs url or options, was set together with connectionFactory");
            }
            if (minIdle > maxSize) {
                throw new IllegalArgumentException(
                        "minIdle must not exceed maxSize (" + maxSize + "), was " + minIdle);
            }
            if (initialSize > maxSize) {
                throw new IllegalArgumentException(
                        "initialSize must not exceed maxSize (" + maxSize + "), was " + initialSize);
            }
            if (leakDetectionThreshold != null && leakReclaimAfter != null
                    && leakReclaimAfter.compareTo(leakDetectionThreshold) <= 0) {
                throw new IllegalArgumentException("leakReclaimAfter must be longer than leakDetectionThreshold ("
                        + leakDetectionThreshold + "), was " + leakReclaimAfter);
            }
            if (validationQuery != null && !validateAfterIdleSet) {
                // r2dbc-pool's contract for validationQuery: every acquire is validated
                validateAfterIdle = Duration.ZERO;
            }
            if (serverPooling == ServerPooling.TRANSACTION && connectionInitSql != null) {
                // a connection's setup would run on one server connection of the pooler's, not on the next ones
                throw new IllegalArgumentException("connectionInitSql must not be set with serverPooling=transaction "
                        + "(a pooler lends another server connection after each transaction), was '"
                        + connectionInitSql + "'");
            }
            if (client == ProtocolClient.NATIVE && connectionFactory != null) {
                throw new IllegalArgumentException("client=native needs url or options (a connectionFactory is its own "
                        + "client), was set together with connectionFactory");
            }
            if (multiplex) {
                checkMultiplexable();
            }
            String nativeOnly = client == ProtocolClient.NATIVE || options == null ? null
                    : PoolOptions.nativeOnlyOption(options);
            if (nativeOnly != null) {
                throw new IllegalArgumentException(nativeOnly + " needs client=native (r2dbc-postgresql sets only "
                        + "tcpKeepAlive, at the host's timing), was set with client=" + client.urlValue());
            }
            Duration checkWithin;
            if (validationTimeout == null) {
                // unset, it follows a short acquireTimeout down so that the two never clash
                Duration half = acquireTimeout.dividedBy(2);
                checkWithin = half.compareTo(DEFAULT_VALIDATION_TIMEOUT) < 0 ? half : DEFAULT_VALIDATION_TIMEOUT;
            } else if (validationTimeout.compareTo(acquireTimeout) >= 0) {
                throw new IllegalArgumentException("validationTimeout must be less than acquireTimeout ("
                        + acquireTimeout + "), was " + validationTimeout);
            } else {
                checkWithin = validationTimeout;
            }
            return new PoolConfiguration(this,
                    options == null ? null
                            : PoolOptions.forServerPooling(PoolOptions.driverOptions(options, name), serverPooling),
                    checkWithin, evictionInterval != null ? evictionInterval : derivedEvictionInterval());
        }

        /** The lane pipelines on Tidepool's own client, straight to a server that keeps each backend's session. */
        private void checkMultiplexable() {
            if (client != ProtocolClient.NATIVE || connectionFactory != null) {
                throw new IllegalArgumentException("multiplex=true needs client=native (the lane pipelines on "
                        + "Tidepool's own protocol client), was " + (connectionFactory != null
                        ? "a connectionFactory" : "client=" + client.urlValue()));
            }
            if (serverPooling == ServerPooling.TRANSACTION) {
                throw new IllegalArgumentException("multiplex=true must not be set with serverPooling=transaction "
                        + "(the pooler in front already shares server connections), was both");
            }
            if (multiplexMaxConnections > 0 && multiplexMaxConnections < multiplexConnections) {
                throw new IllegalArgumentException("multiplexMaxConnections must not be below multiplexConnections ("
                        + multiplexConnections + "), was " + multiplexMaxConnections);
            }
        }

        /** A tenth of the shortest deadline upkeep enforces, so each is met within a tenth of its value; bounded. */
        private Duration derivedEvictionInterval() {
            Duration shortest = MAX_DERIVED_EVICTION_INTERVAL.multipliedBy(10);
            for (Duration enforced : new Duration[] {maxIdleTime, maxLifetime, keepaliveTime}) {
                if (enforced != null && enforced.compareTo(shortest) < 0) {
                    shortest = enforced;
                }
            }
            Duration tenth = shortest.dividedBy(10);
            return tenth.compareTo(MIN_DERIVED_EVICTION_INTERVAL) < 0 ? MIN_DERIVED_EVICTION_INTERVAL : tenth;
        }

        /** Builds the configuration and a pool from it, not yet started: {@code TidepoolPool.create(build())}. */
        public TidepoolPool buildPool() {
            return TidepoolPool.create(build());
        }

        private static <T> T notNull(String option, @Nullable T value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " must not be null");
            }
            return value;
        }

        private static int atLeast(String option, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(option + " must be at least " + min + ", was " + value);
            }
            return value;
        }

        private static Duration positive(String option, @Nullable Duration value) {
            notNull(option, value);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(option + " must be positive, was " + value);
            }
            return countable(option, value);
        }

        private static Duration notNegative(String option, @Nullable Duration value) {
            notNull(option, value);
            if (value.isNegative()) {
                throw new IllegalArgumentException(option + " must not be negative, was " + value);
            }
            return countable(option, value);
        }

        /** Deadlines are kept in nanoseconds: a longer duration ("forever") would overflow when a caller waits. */
        private static Duration countable(String option, Duration value) {
            try {
                value.toNanos();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(option + " must be under 292 years (what a nanosecond clock can "
                        + "count), was " + value);
            }
            return value;
        }
    }
}
