package io.tidepool.spring.boot.autoconfigure;

import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * {@link R2dbcPoolKeysEnvironmentPostProcessor} under Spring Boot 3's interface, which Spring Boot 4 still loads but
 * deprecates: on Spring Boot 4 both run, and the second finds nothing left to hide.
 */
@SuppressWarnings("removal")
public final class R2dbcPoolKeysBoot3EnvironmentPostProcessor
        implements org.springframework.boot.env.EnvironmentPostProcessor, Ordered {

    /** Creates the post-processor; Spring Boot calls this. */
    public R2dbcPoolKeysBoot3EnvironmentPostProcessor() {
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
}
