package io.tidepool.health.spring;

import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthThresholds;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration: when the application has {@link TidepoolPool} beans, adds a health indicator
 * named {@code tidepool} over all of them (each required, with the application's {@link HealthThresholds} bean if
 * it has one) and a meter binder publishing their meters. Either bean can be replaced by declaring one of the same
 * type.
 */
@AutoConfiguration
@ConditionalOnClass({TidepoolPool.class, ReactiveHealthIndicator.class})
@ConditionalOnBean(TidepoolPool.class)
public class TidepoolHealthAutoConfiguration {

    /** Creates the auto-configuration; Spring calls this. */
    public TidepoolHealthAutoConfiguration() {
    }

    /** The health indicator over every pool; its name in the health endpoint is {@code tidepool}. */
    @Bean
    @ConditionalOnMissingBean
    public TidepoolHealthIndicator tidepoolHealthIndicator(ObjectProvider<TidepoolPool> pools,
                                                           ObjectProvider<HealthThresholds> thresholds) {
        return TidepoolHealthIndicator.forPools(pools.orderedStream().toList(),
                thresholds.getIfAvailable(HealthThresholds::defaults));
    }

    /** The meters of every pool, bound by Spring Boot to its meter registries. */
    @Bean
    @ConditionalOnMissingBean
    public TidepoolPoolsMeterBinder tidepoolMeterBinder(ObjectProvider<TidepoolPool> pools) {
        return new TidepoolPoolsMeterBinder(pools.orderedStream().toList());
    }
}
