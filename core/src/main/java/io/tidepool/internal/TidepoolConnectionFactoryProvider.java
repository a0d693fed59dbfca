package io.tidepool.internal;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.ConnectionFactoryProvider;
import io.tidepool.PoolConfiguration;

/**
 * Registers the R2DBC driver {@code tidepool}: {@code ConnectionFactories.get("r2dbc:tidepool:postgresql://...")}
 * answers a pool (not started: it opens connections on demand) whose options come from the URL.
 */
public final class TidepoolConnectionFactoryProvider implements ConnectionFactoryProvider {

    @Override
    public ConnectionFactory create(ConnectionFactoryOptions options) {
        return PoolConfiguration.builder().options(options).buildPool();
    }

    @Override
    public boolean supports(ConnectionFactoryOptions options) {
        return PoolConfiguration.R2DBC_DRIVER.equals(options.getValue(ConnectionFactoryOptions.DRIVER));
    }

    @Override
    public String getDriver() {
        return PoolConfiguration.R2DBC_DRIVER;
    }
}
