package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.PoolConfiguration;

/**
 * Customizes the builder of the auto-configured pool, for what a property cannot say: a
 * {@link PoolConfiguration.Builder#passwordSupplier password supplier}, an
 * {@link PoolConfiguration.Builder#errorClassifier error classifier}, a transaction retry policy. Declare one as a
 * bean; every one is applied, in order, after the properties, so a customizer's setting wins.
 */
@FunctionalInterface
public interface TidepoolPoolBuilderCustomizer {

    /**
     * Customizes {@code builder}, which has the application's URL, credentials and {@code tidepool.*} options.
     *
     * @param builder the pool's builder
     */
    void customize(PoolConfiguration.Builder builder);
}
