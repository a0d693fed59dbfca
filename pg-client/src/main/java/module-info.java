/**
 * Tidepool's own PostgreSQL wire-protocol client, on Netty, behind the R2DBC SPI.
 *
 * <p>Only {@code io.tidepool.pg} (the connection factory, its configuration, the server-error view and the
 * connection's pool-facing view) is API; the protocol engine in {@code io.tidepool.pg.internal} is not exported.
 */
module io.tidepool.pg {
    requires transitive reactor.core;
    requires transitive r2dbc.spi;
    requires transitive org.reactivestreams;
    // nullness annotations appear in the API: readers of it see them, nothing needs them at run time
    requires static transitive org.jspecify;
    requires io.netty.buffer;
    requires io.netty.common;
    // a caller may hand its own EventLoopGroup to PgConnectionFactory
    requires transitive io.netty.transport;
    requires io.netty.codec;
    requires io.netty.handler;
    requires io.netty.transport.classes.epoll;
    requires org.slf4j;
    // per-socket keepalive timing on the NIO transport
    requires jdk.net;

    exports io.tidepool.pg;
}
