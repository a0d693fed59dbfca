/**
 * Tidepool health HTTP endpoint: {@link io.tidepool.health.http.HealthServer} serves the health of Tidepool pools
 * ({@code /health}, {@code /health/live}, {@code /health/ready}) and Prometheus metrics ({@code /metrics}) on Reactor
 * Netty, for applications that have no web framework of their own.
 *
 * <p>Optional: {@code io.tidepool.health} (checks and meters) needs neither Reactor Netty nor Prometheus; this module
 * brings both. {@code io.tidepool.health.http.internal} (JSON rendering) is not exported.
 */
module io.tidepool.health.http {
    requires transitive io.tidepool.health;
    requires transitive micrometer.registry.prometheus;
    requires transitive reactor.netty.http;
    requires reactor.netty.core;
    requires io.netty.codec.http;
    requires static transitive org.jspecify;

    exports io.tidepool.health.http;
}
