package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.TidepoolPool;
import io.tidepool.registry.PoolRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * The lifecycle of pools the application did not make a bean of: its {@link PoolRegistry} beans are started and
 * stopped with the context ({@link PoolRegistryLifecycle}), and a pool Spring Boot built from a
 * {@code r2dbc:tidepool:} URL and wrapped (when {@code tidepool.enabled=false}) is closed with the context.
 */
@AutoConfiguration(after = TidepoolAutoConfiguration.class, afterName = {
        TidepoolAutoConfiguration.BOOT_R2DBC_AUTO_CONFIGURATION,
        TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION})
@ConditionalOnClass(TidepoolPool.class)
public class TidepoolLifecycleAutoConfiguration {

    /** Creates the auto-configuration; Spring calls this. */
    public TidepoolLifecycleAutoConfiguration() {
    }

    /**
     * Starts and stops the application's registries with the context.
     *
     * @param registries the registries, in their order
     * @return the lifecycle
     */
    @Bean
    @ConditionalOnBean(PoolRegistry.class)
    @ConditionalOnMissingBean
    public PoolRegistryLifecycle tidepoolPoolRegistryLifecycle(ObjectProvider<PoolRegistry> registries) {
        return new PoolRegistryLifecycle(registries.orderedStream().toList());
    }

    /** Closes, with the context, the pools that are reachable only through a wrapper Spring Boot built. */
    @Bean
    @Conditional(OnTidepoolPoolsCondition.TidepoolUrl.class)
    WrappedPoolsCloser tidepoolWrappedPoolsCloser(ObjectProvider<ConnectionFactory> factories) {
        return new WrappedPoolsCloser(SpringPools.of(factories).wrappedOnly());
    }
}
