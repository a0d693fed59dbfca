package io.tidepool.pg;

import io.netty.channel.EventLoopGroup;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.tidepool.pg.internal.PgConnector;
import io.tidepool.pg.internal.HostChooser;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import java.util.Objects;

/**
 * Tidepool's own PostgreSQL client as an R2DBC {@link ConnectionFactory}: each {@link #create()} opens one new
 * connection (TCP on the next event loop of the client's shared group, TLS when configured, startup, authentication)
 * and emits it once the server is ready for queries.
 *
 * <p>Every connection it emits is a {@link PgSession}. What it covers and what it does not (COPY, LISTEN/NOTIFY,
 * replication) is listed in {@code docs/pg-client.md}.
 *
 * <p>Thread safety: the factory is immutable and may be shared. A connection's signals (results, completion of
 * {@code beginTransaction}, errors) arrive on its event loop: never block in a subscriber.
 *
 * @since 0.1.0
 */
public final class PgConnectionFactory implements ConnectionFactory {

    private static final ConnectionFactoryMetadata METADATA = () -> "PostgreSQL";

    private final PgConnectionConfiguration configuration;
    private final PgConnector connector;
    // null for one host and no target: a new connection goes straight there
    private final @Nullable HostChooser chooser;

    /**
     * A factory for {@code configuration}.
     *
     * @throws IllegalArgumentException when TLS is configured and its context cannot be built (e.g. an unreadable
     *                                  root certificate file)
     */
    public PgConnectionFactory(PgConnectionConfiguration configuration) {
        this.configuration = Objects.requireNonNull(configuration, "configuration must not be null");
        this.connector = new PgConnector(configuration);
        this.chooser = configuration.choosesHost() ? new HostChooser(configuration, connector) : null;
    }

    /**
     * A factory for {@code configuration} whose connections run on the caller's event loops, for example a pool's
     * own group, so that one set of loops serves the whole process. Each {@link #create()} takes
     * {@code group.next()}; the group's lifecycle stays the caller's (closing connections never shuts it down).
     * Connections use epoll when the group's loops run epoll ({@code EpollIoHandler}) and NIO otherwise.
     *
     * @throws IllegalArgumentException when TLS is configured and its context cannot be built
     */
    public PgConnectionFactory(PgConnectionConfiguration configuration, EventLoopGroup group) {
        this.configuration = Objects.requireNonNull(configuration, "configuration must not be null");
        this.connector = new PgConnector(configuration, Objects.requireNonNull(group, "group must not be null"));
        this.chooser = configuration.choosesHost() ? new HostChooser(configuration, connector) : null;
    }

    /**
     * Opens a connection. Lazy: nothing happens until subscription; cancelling the subscription before the
     * connection is ready closes it. With several hosts or a {@link PgTargetServerType}, the hosts are tried in
     * order (those found down or of the wrong role in the last {@link PgConnectionConfiguration#hostRecheckTime()}
     * last), each within the connect timeout, and the server's role is checked before the connection is emitted;
     * when no host will do, the error lists each host and what it answered. Fails with an
     * {@link io.r2dbc.spi.R2dbcException}: a
     * {@link io.r2dbc.spi.R2dbcPermissionDeniedException} for a rejected login (SQLSTATE 28xxx), an
     * {@link io.r2dbc.spi.R2dbcTimeoutException} when the connect timeout passes, an
     * {@link io.r2dbc.spi.R2dbcNonTransientResourceException} naming the host:port when the server cannot be
     * reached.
     */
    @Override
    public Mono<PgSession> create() {
        return chooser == null ? connector.connect() : chooser.connect();
    }

    /** Reports the product name {@code PostgreSQL} (what Spring's dialect detection looks for). */
    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return METADATA;
    }

    /** The configuration this factory connects with. */
    public PgConnectionConfiguration configuration() {
        return configuration;
    }

    @Override
    public String toString() {
        return "PgConnectionFactory{" + configuration + "}";
    }
}
