package io.tidepool.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.TidepoolPool;
import io.tidepool.health.micrometer.TidepoolMeterBinder;
import io.tidepool.registry.PoolRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * The meters of every pool ({@code db.client.connection.*}, {@code tidepool.*}; see {@code docs/health.md}), bound
 * by Spring Boot to its meter registry. Applies with Micrometer and {@code tidepool-health} on the class path, a
 * {@link MeterRegistry} bean (Spring Boot's actuator makes one), and pools ({@link OnTidepoolPoolsCondition}).
 * Declare a {@link TidepoolPoolsMeterBinder} bean to replace it.
 */
@AutoConfiguration(after = TidepoolAutoConfiguration.class, afterName = {
        TidepoolAutoConfiguration.BOOT_R2DBC_AUTO_CONFIGURATION,
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
        TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION,
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({TidepoolPool.class, MeterRegistry.class, TidepoolMeterBinder.class})
@ConditionalOnBean(MeterRegistry.class)
@Conditional(OnTidepoolPoolsCondition.class)
public class TidepoolMetricsAutoConfiguration {

    /** Creates the auto-configuration; Spring calls this. */
    public TidepoolMetricsAutoConfiguration() {
    }

    /**
     * The meters of every pool; closing the context removes them.
     *
     * @param factories the application's connection factories
     * @param registries the application's pool registries
     * @param autoConfigured the pool the auto-configuration made, if it made one
     * @param healthChecks the health component, if there is one: each pool's meters read the server's connections
     *        from its check ({@code tidepool.connection.server.share} and {@code .headroom})
     * @return the binder
     */
    @Bean
    @ConditionalOnMissingBean
    public TidepoolPoolsMeterBinder tidepoolMeterBinder(
            ObjectProvider<ConnectionFactory> factories, ObjectProvider<PoolRegistry> registries,
            ObjectProvider<TidepoolAutoConfiguration.AutoConfiguredPool> autoConfigured,
            ObjectProvider<PoolHealthChecks> healthChecks) {
        return new TidepoolPoolsMeterBinder(TidepoolPools.of(factories, registries, autoConfigured).pools(),
                healthChecks.orderedStream().flatMap(holder -> holder.checks().stream()).toList());
    }
}
