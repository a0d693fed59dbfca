/**
 * Tidepool health: saturation-aware health checks of Tidepool pools, Micrometer meters named after the OpenTelemetry
 * database client conventions, an HTTP endpoint for health and Prometheus metrics on Reactor Netty, and optional
 * Spring Boot wiring.
 *
 * <p>API packages are exported; {@code io.tidepool.health.internal} is not. Spring Boot is optional
 * ({@code requires static}): only {@code io.tidepool.health.spring} uses it.
 */
module io.tidepool.health {
    requires transitive io.tidepool.core;
    requires transitive micrometer.core;
    requires transitive micrometer.registry.prometheus;
    requires transitive reactor.netty.http;
    requires reactor.netty.core;
    requires io.netty.codec.http;
    requires static transitive org.jspecify;

    // static: Spring is optional; transitive: the types of io.tidepool.health.spring are Spring types
    requires static transitive spring.boot.health;
    requires static transitive spring.boot.autoconfigure;
    requires static transitive spring.boot;
    requires static transitive spring.context;
    requires static transitive spring.beans;
    requires static transitive spring.core;

    exports io.tidepool.health;
    exports io.tidepool.health.micrometer;
    exports io.tidepool.health.http;
    exports io.tidepool.health.spring;

    // Spring instantiates the auto-configuration reflectively
    opens io.tidepool.health.spring;
}
