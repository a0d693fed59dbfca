package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.registry.PoolRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tidepool} health component of Spring Boot's health endpoint: one indicator per pool
 * ({@link TidepoolHealthContributor}), each with the application's {@link HealthThresholds} bean if it has one;
 * optional pools (a registry's optional ones, the auto-configured pool with {@code tidepool.required=false}) are
 * marked {@code "required": false} and their DOWN shows as DEGRADED.
 *
 * <p>Applies with Spring Boot's health API and {@code tidepool-health} on the class path, when the application has
 * pools ({@link OnTidepoolPoolsCondition}) and {@code management.health.tidepool.enabled} is not {@code false}.
 * Declare a bean named {@code tidepoolHealthContributor} to replace it.
 */
@AutoConfiguration(after = TidepoolAutoConfiguration.class, afterName = {
        TidepoolAutoConfiguration.BOOT_R2DBC_AUTO_CONFIGURATION,
        TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION})
@ConditionalOnClass({TidepoolPool.class, PoolHealthCheck.class, ReactiveHealthIndicator.class})
@ConditionalOnEnabledHealthIndicator("tidepool")
@Conditional(OnTidepoolPoolsCondition.class)
public class TidepoolHealthAutoConfiguration {

    /** Creates the auto-configuration; Spring calls this. */
    public TidepoolHealthAutoConfiguration() {
    }

    /**
     * The component; its name in the health endpoint is {@code tidepool}, each pool's under it is the pool's name.
     *
     * @param factories the application's connection factories
     * @param registries the application's pool registries
     * @param autoConfigured the pool the auto-configuration made, if it made one
     * @param thresholds the application's thresholds, if it has them
     * @return the component
     * @throws IllegalStateException if two pools have the same name
     */
    @Bean
    @ConditionalOnMissingBean(name = "tidepoolHealthContributor")
    public TidepoolHealthContributor tidepoolHealthContributor(
            ObjectProvider<ConnectionFactory> factories, ObjectProvider<PoolRegistry> registries,
            ObjectProvider<TidepoolAutoConfiguration.AutoConfiguredPool> autoConfigured,
            ObjectProvider<HealthThresholds> thresholds) {
        HealthThresholds chosen = thresholds.getIfAvailable(HealthThresholds::defaults);
        Map<String, TidepoolHealthIndicator> indicators = new LinkedHashMap<>();
        for (TidepoolPools.Member member : TidepoolPools.of(factories, registries, autoConfigured).members()) {
            String name = member.pool().name();
            if (indicators.containsKey(name)) {
                indicators.values().forEach(TidepoolHealthIndicator::close);
                throw new IllegalStateException(TidepoolPools.duplicateName(name));
            }
            indicators.put(name, TidepoolHealthIndicator.forPool(member.pool(), member.required(), chosen));
        }
        return new TidepoolHealthContributor(indicators);
    }
}
