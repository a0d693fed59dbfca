package io.tidepool.internal;

import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.tidepool.PoolConfiguration;
import io.tidepool.ProtocolClient;
import io.tidepool.pg.PgConnectionConfiguration;
import io.tidepool.pg.PgConnectionFactory;
import io.tidepool.pg.PgSession;
import io.tidepool.error.ConnectionCreateTimeoutException;
import io.tidepool.error.CredentialsUnavailableException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the pool's connections come from and go to: opening one (the driver, a rotating password, the user's setup,
 * the create deadline), its jittered lifetime and generation, closing it, and the set of the open ones (through which
 * the borrowed ones are found: the clean path updates no shared set).
 */
final class ConnectionSource {

    private static final Logger log = LoggerFactory.getLogger(ConnectionSource.class);

    private final PoolContext ctx;
    private final PoolConfiguration config;
    private final ConnectionFactory factory;
    private final @Nullable ConnectionSetup setup;
    private final AtomicLong generation = new AtomicLong();
    // every open connection, updated only when one opens or closes; a borrowed one names its lease
    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();

    ConnectionSource(PoolContext ctx) {
        this.ctx = ctx;
        this.config = ctx.config;
        this.factory = config.connectionFactory().orElseGet(() -> driverFactory(config, null));
        this.setup = ConnectionSetup.of(config);
    }

    private static ConnectionFactory driverFactory(PoolConfiguration config, @Nullable CharSequence password) {
        ConnectionFactoryOptions options = driverOptions(config, password);
        if (config.client() == ProtocolClient.NATIVE) {
            // Tidepool's own client spreads its connections over its own event loops
            return new PgConnectionFactory(PgConnectionConfiguration.from(options));
        }
        return new PostgresqlConnectionFactoryProvider().create(options);
    }

    /** The options a connection is opened with: the configuration's, and the connection source's own defaults. */
    static ConnectionFactoryOptions driverOptions(PoolConfiguration config, @Nullable CharSequence password) {
        ConnectionFactoryOptions options = config.driverOptions().orElseThrow();
        ConnectionFactoryOptions.Builder builder = ConnectionFactoryOptions.builder().from(options);
        if (!options.hasOption(ConnectionFactoryOptions.CONNECT_TIMEOUT)) {
            // a TCP connect must not outlive the create timeout, or a late socket would sit half open; of several
            // hosts, each gets its share, so that a silent first host leaves time for the next ones
            builder.option(ConnectionFactoryOptions.CONNECT_TIMEOUT, config.createTimeout().dividedBy(hostCount(options)));
        }
        if (password != null) {
            builder.option(ConnectionFactoryOptions.PASSWORD, password);
        }
        if (!options.hasOption(PostgresqlConnectionFactoryProvider.LOOP_RESOURCES)) {
            // spread over every event loop, whatever thread opens the connection
            builder.option(PostgresqlConnectionFactoryProvider.LOOP_RESOURCES, EventLoops.shared());
        }
        if (!options.hasOption(PostgresqlConnectionFactoryProvider.TCP_KEEPALIVE)) {
            // the kernel probes an idle connection and notices a dead peer (timing from the host's net.ipv4 settings)
            builder.option(PostgresqlConnectionFactoryProvider.TCP_KEEPALIVE, true);
        }
        return builder.build();
    }

    /** How many hosts the options name: several in the failover form ({@code h1:5432,h2:5432}), else one. */
    private static int hostCount(ConnectionFactoryOptions options) {
        Object host = options.getValue(ConnectionFactoryOptions.HOST);
        return host == null ? 1 : host.toString().split(",", -1).length;
    }

    /** The driver's metadata, so frameworks that pick a dialect by it (Spring Data R2DBC) see PostgreSQL. */
    ConnectionFactoryMetadata metadata() {
        return factory.getMetadata();
    }

    /** A new connection: from the fixed factory, or with the password the supplier gives now. */
    private Publisher<? extends Connection> connect() {
        return config.passwordSupplier()
                .<Publisher<? extends Connection>>map(passwords -> Mono.from(passwords.get())
                        .switchIfEmpty(Mono.error(() -> new CredentialsUnavailableException(config.name(),
                                ctx.stats())))
                        .flatMap(password -> Mono.from(driverFactory(config, password).create())))
                .orElseGet(factory::create);
    }

    /** Opens, sets up and registers one connection: reactor-pool's allocator. */
    Mono<Slot> open() {
        return openCounted()
                .map(connection -> new Slot(connection, lifetimeLimitMillis(), generation.get(), ctx.nowMillis()))
                .doOnNext(slots::add);
    }

    /** Opens and sets up one connection within the create timeout, counted and announced either way. */
    private Mono<Connection> openCounted() {
        long started = System.nanoTime();
        long startedMillis = ctx.nowMillis();
        return CreateWithin.create(connect(), config.createTimeout(), config.scheduler(),
                        () -> new ConnectionCreateTimeoutException(config.name(), config.target(),
                                config.createTimeout(), ctx.stats()))
                .flatMap(this::setUp)
                .doOnNext(connection -> {
                    ctx.availability.connected();
                    ctx.counters.creates.increment();
                    ctx.listeners.fire(l -> l.connectionCreated(config.name(), PoolContext.since(started)));
                })
                .doOnError(e -> {
                    ctx.availability.failedToConnect(e, startedMillis);
                    ctx.counters.createFailures.increment();
                    ctx.listeners.fire(l -> l.connectionCreateFailed(config.name(), PoolContext.since(started), e));
                    log.debug("pool '{}': opening a connection to {} failed: {}", config.name(), config.target(),
                            e.toString());
                });
    }

    /**
     * Opens and sets up one connection for the multiplexed lane: counted and announced like the pool's own, but
     * outside reactor-pool (the lane, not a borrower, holds it).
     */
    Mono<PgSession> openShared() {
        return openCounted().cast(PgSession.class);
    }

    /** Closes a connection of the lane's, within the create timeout, and counts it; never fails. */
    Mono<Void> closeShared(Connection connection) {
        return Mono.from(connection.close())
                .timeout(config.createTimeout(), config.scheduler())
                .onErrorResume(e -> Mono.empty())
                .doFinally(s -> {
                    ctx.counters.destroys.increment();
                    ctx.listeners.fire(l -> l.connectionClosed(config.name()));
                });
    }

    /** Runs the user's connection setup on a new connection; on failure closes it and fails the open. */
    private Mono<Connection> setUp(Connection connection) {
        if (setup == null) {
            return Mono.just(connection);
        }
        return setup.applyTo(connection)
                .timeout(config.createTimeout(), config.scheduler())
                .thenReturn(connection)
                .onErrorResume(e -> Mono.from(connection.close()).onErrorResume(closing -> Mono.empty())
                        .then(Mono.error(e)));
    }

    /** The user's connection setup, to run again after a session reset; null when there is none. */
    @Nullable ConnectionSetup setup() {
        return setup;
    }

    private long lifetimeLimitMillis() {
        return config.maxLifetime().map(Duration::toMillis)
                // up to a tenth less, so connections opened together do not all retire together
                .map(max -> max - ThreadLocalRandom.current().nextLong(max / 10 + 1))
                .orElse(Long.MAX_VALUE);
    }

    /** Every connection open now is to be closed, not reused: {@code evictAll()}. */
    void retireAll() {
        generation.incrementAndGet();
    }

    /** Opened before the last {@link #retireAll()}: to be closed, not reused. */
    boolean isRetired(Slot slot) {
        return slot.generation() < generation.get();
    }

    /** Closes one connection, once, within the create timeout, and counts it: reactor-pool's destroy handler. */
    Mono<Void> close(Slot slot) {
        if (!slot.startClosing()) {
            return Mono.empty();
        }
        return Mono.from(slot.connection().close())
                .timeout(config.createTimeout(), config.scheduler())
                .onErrorResume(e -> {
                    log.debug("pool '{}': closing a connection failed: {}", config.name(), e.toString());
                    return Mono.empty();
                })
                .doFinally(s -> {
                    slots.remove(slot);
                    ctx.counters.destroys.increment();
                    ctx.listeners.fire(l -> l.connectionClosed(config.name()));
                });
    }

    /**
     * Closes every open connection nobody borrows: after reactor-pool's dispose, which closes its idle ones, what is
     * left unborrowed was handed to reactor-pool's queue as it was disposed (a return or an acquire racing close()),
     * and nothing else would ever close it. Answers how many it closed.
     */
    Mono<Integer> closeUnborrowed() {
        List<Slot> left = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.lease() == null) {
                left.add(slot);
            }
        }
        if (!left.isEmpty()) {
            log.debug("pool '{}': closing {} connections left behind by reactor-pool's dispose", config.name(),
                    left.size());
        }
        return reactor.core.publisher.Flux.fromIterable(left).flatMap(this::close).then(Mono.just(left.size()));
    }

    /** The connections borrowed now, from the open ones. */
    List<Lease> borrowed() {
        List<Lease> out = new ArrayList<>();
        for (Slot slot : slots) {
            Lease lease = slot.lease();
            if (lease != null) {
                out.add(lease);
            }
        }
        return out;
    }
}
