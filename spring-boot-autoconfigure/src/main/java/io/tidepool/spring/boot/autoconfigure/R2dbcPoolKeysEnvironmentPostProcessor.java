package io.tidepool.spring.boot.autoconfigure;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Hides the {@code spring.r2dbc.pool.*} keys from Spring Boot when Tidepool's pool is the application's: Spring Boot's
 * R2DBC auto-configuration reads them while it decides whether to build an r2dbc-pool {@code ConnectionPool}, before
 * it sees that a {@code ConnectionFactory} bean exists, and fails the start when they are set and r2dbc-pool is not on
 * the class path ({@code MissingR2dbcPoolDependencyException}), or when the URL is an {@code r2dbc:pool:} one
 * ({@code MultipleConnectionPoolConfigurationsException}). Tidepool reads them itself ({@link R2dbcPoolKeys}): mapped
 * where they mean the same as a {@code tidepool.*} property, a failed start naming the key where they do not.
 *
 * <p>Applies unless {@code tidepool.enabled} is {@code false}. Each property
 * source that has such keys is replaced by one that has the others only; the originals stay reachable through
 * {@code R2dbcPoolKeysHiding.originalBinder}. Property sources that cannot list their keys are left as they are.
 */
public final class R2dbcPoolKeysEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    /** Creates the post-processor; Spring Boot calls this. */
    public R2dbcPoolKeysEnvironmentPostProcessor() {
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        R2dbcPoolKeysHiding.hide(environment);
    }

    /** After the application's configuration files have been read. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    /**
     * Hides the keys in {@code environment}, if Tidepool's pool is to be the application's; idempotent.
     *
     * @param environment the application's environment
     */
    public static void hide(ConfigurableEnvironment environment) {
        R2dbcPoolKeysHiding.hide(environment);
    }
}
