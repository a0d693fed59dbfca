/**
 * Tidepool health: saturation-aware health checks of Tidepool pools, and Micrometer meters named after the OpenTelemetry
 * database client conventions. It needs Micrometer's core only: the standalone HTTP
 * endpoint with Prometheus is the optional module {@code io.tidepool.health.http}.
 *
 * <p>API packages are exported; {@code io.tidepool.health.internal} is not (but to the HTTP endpoint, for
 * redaction). Spring Boot's wiring is the module {@code io.tidepool.spring.boot.autoconfigure}.
 */
// "module": the qualified export names a module that is built after this one, so it is not found here
@SuppressWarnings("module")
module io.tidepool.health {
    requires transitive io.tidepool.core;
    requires transitive micrometer.core;
    requires static transitive org.jspecify;

    exports io.tidepool.health;
    exports io.tidepool.health.micrometer;
    // the HTTP endpoint redacts what it serves with the same rules as the checks
    exports io.tidepool.health.internal to io.tidepool.health.http;
}
