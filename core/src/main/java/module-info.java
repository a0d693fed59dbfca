/**
 * Tidepool core: a leak-proof reactive connection pool for PostgreSQL over reactor-pool and r2dbc-postgresql.
 *
 * <p>Only {@code io.tidepool} (the pool, its configuration and statistics), {@code io.tidepool.error}
 * (typed exceptions) and {@code io.tidepool.registry} (named pools, lifecycle, blocking bridge) are API; the engine in {@code io.tidepool.internal} is not exported.
 */
module io.tidepool.core {
    requires transitive reactor.core;
    requires transitive r2dbc.spi;
    requires transitive org.reactivestreams;
    // nullness annotations appear in the API: readers of it see them, nothing needs them at run time
    requires static transitive org.jspecify;
    requires reactor.pool;
    requires r2dbc.postgresql;
    // Tidepool's own protocol client, selected with client=native
    requires io.tidepool.pg;
    // the event loops r2dbc-postgresql's connections run on (internal.EventLoops)
    requires reactor.netty.core;
    requires org.slf4j;

    exports io.tidepool;
    exports io.tidepool.error;
    exports io.tidepool.registry;
    exports io.tidepool.blocking;
    exports io.tidepool.stats;
    exports io.tidepool.replica;

    provides io.r2dbc.spi.ConnectionFactoryProvider with io.tidepool.internal.TidepoolConnectionFactoryProvider;
}
