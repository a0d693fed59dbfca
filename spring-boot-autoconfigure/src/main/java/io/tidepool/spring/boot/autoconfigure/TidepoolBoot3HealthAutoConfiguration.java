package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthThresholds;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.registry.PoolRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link TidepoolHealthAutoConfiguration} for Spring Boot 3, whose health types are
 * {@code org.springframework.boot.actuate.health}: the same {@code tidepool} component, one member per pool, optional
 * pools marked. Applies only where those types are (Spring Boot 3's actuator); on Spring Boot 4 it backs off and the
 * other applies.
 */
@AutoConfiguration(after = TidepoolAutoConfiguration.class,
        afterName = TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION)
@ConditionalOnClass(name = TidepoolBoot3HealthAutoConfiguration.BOOT_3_HEALTH_INDICATOR)
public class TidepoolBoot3HealthAutoConfiguration {

    static final String BOOT_3_HEALTH_INDICATOR = "org.springframework.boot.actuate.health.ReactiveHealthIndicator";

    /** Creates the auto-configuration; Spring calls this. */
    public TidepoolBoot3HealthAutoConfiguration() {
    }

    /** The component, in a class of its own so that Spring Boot 4 never reads its Spring Boot 3 annotations. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({TidepoolPool.class, PoolHealthCheck.class})
    @ConditionalOnEnabledHealthIndicator("tidepool")
    @Conditional(OnTidepoolPoolsCondition.class)
    public static class Contributor {

        /** Creates the configuration; Spring calls this. */
        public Contributor() {
        }

        /**
         * The component; its name in the health endpoint is {@code tidepool}.
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
        public TidepoolBoot3HealthContributor tidepoolHealthContributor(
                ObjectProvider<ConnectionFactory> factories, ObjectProvider<PoolRegistry> registries,
                ObjectProvider<TidepoolAutoConfiguration.AutoConfiguredPool> autoConfigured,
                ObjectProvider<HealthThresholds> thresholds) {
            HealthThresholds chosen = thresholds.getIfAvailable(HealthThresholds::defaults);
            Map<String, TidepoolBoot3HealthIndicator> indicators = new LinkedHashMap<>();
            for (TidepoolPools.Member member : TidepoolPools.of(factories, registries, autoConfigured).members()) {
                String name = member.pool().name();
                if (indicators.containsKey(name)) {
                    indicators.values().forEach(TidepoolBoot3HealthIndicator::close);
                    throw new IllegalStateException(TidepoolPools.duplicateName(name));
                }
                indicators.put(name, TidepoolBoot3HealthIndicator.forPool(member.pool(), member.required(), chosen));
            }
            return new TidepoolBoot3HealthContributor(indicators);
        }
    }
}
