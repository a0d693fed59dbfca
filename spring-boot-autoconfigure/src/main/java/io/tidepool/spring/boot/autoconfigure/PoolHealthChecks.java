package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.health.PoolHealthCheck;

import java.util.List;

/**
 * What holds the health check of each of the application's pools: the {@code tidepool} health component, of Spring
 * Boot 4 ({@link TidepoolHealthContributor}) or 3 ({@link TidepoolBoot3HealthContributor}). The auto-configured
 * meters read the server's connections from these checks' latest probes ({@code tidepool.connection.server.share} and
 * {@code .headroom}, see {@link io.tidepool.health.micrometer.TidepoolMeterBinder.Builder#serverFrom}).
 */
public interface PoolHealthChecks {

    /** The check of each pool, in the component's order; read-only. */
    List<PoolHealthCheck> checks();
}
