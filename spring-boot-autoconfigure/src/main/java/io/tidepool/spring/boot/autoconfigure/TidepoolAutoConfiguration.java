package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import io.tidepool.PoolConfiguration;
import io.tidepool.TidepoolPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The application's {@link TidepoolPool}, from {@code spring.r2dbc.url}, {@code username}, {@code password},
 * {@code name} and {@code properties.*} plus {@link TidepoolProperties tidepool.*}, as its {@link ConnectionFactory}:
 * started when the context starts (a required pool that cannot start fails the start) and closed, waiting for
 * borrowed connections, when it closes.
 *
 * <p>It runs before Spring Boot's R2DBC auto-configuration, which then backs off: Spring Boot builds no r2dbc-pool
 * {@code ConnectionPool} around Tidepool (a pool of pools), whether or not r2dbc-pool is on the class path, and
 * {@code spring.r2dbc.pool.*} keys are read as the {@code tidepool.*} properties they mean or fail the start
 * ({@link R2dbcPoolKeys}). The database is a service connection's ({@code R2dbcConnectionDetails} from Testcontainers'
 * {@code @ServiceConnection} or Docker Compose) if there is one, else {@code spring.r2dbc.url}'s. It backs off when
 * the application declares a {@code ConnectionFactory} of its own, when {@code tidepool.enabled=false}, and when there
 * is neither a URL nor a service connection.
 */
@AutoConfiguration(beforeName = {TidepoolAutoConfiguration.BOOT_R2DBC_AUTO_CONFIGURATION,
        TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION})
@ConditionalOnClass({TidepoolPool.class, ConnectionFactory.class})
@ConditionalOnProperty(prefix = TidepoolProperties.PREFIX, name = "enabled", matchIfMissing = true)
@Conditional(TidepoolAutoConfiguration.OnDatabase.class)
@EnableConfigurationProperties(TidepoolProperties.class)
public class TidepoolAutoConfiguration {

    /** Spring Boot 4's R2DBC auto-configuration, which this one runs before (and Spring Boot 3's, named elsewhere). */
    static final String BOOT_R2DBC_AUTO_CONFIGURATION = "org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration";

    static final String URL = "spring.r2dbc.url";

    /** Beyond the pool's own {@code startTimeout}, which bounds the start. */
    private static final Duration MARGIN = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(TidepoolAutoConfiguration.class);

    /** Creates the auto-configuration; Spring calls this. */
    public TidepoolAutoConfiguration() {
    }

    /** The pool, unless the application declares a {@code ConnectionFactory} of its own. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(ConnectionFactory.class)
    public static class TidepoolPoolConfiguration {

        /** Creates the configuration; Spring calls this. */
        public TidepoolPoolConfiguration() {
        }

        /**
         * The pool, declared as a {@link TidepoolPool} so that the health and metrics auto-configurations see it. Spring
         * calls {@code close()} when the context closes and waits for the {@code Mono} it returns.
         *
         * @param environment the application's properties
         * @param properties the {@code tidepool.*} properties
         * @param customizers applied after the properties
         * @param beanFactory where an {@code R2dbcConnectionDetails} bean (a service connection) is looked for
         * @return the pool, started if {@code tidepool.required} (the default)
         */
        @Bean(destroyMethod = "close")
        public TidepoolPool connectionFactory(Environment environment, TidepoolProperties properties,
                                              ObjectProvider<TidepoolPoolBuilderCustomizer> customizers,
                                              ListableBeanFactory beanFactory) {
            PoolConfiguration.Builder builder = PoolConfiguration.builder()
                    .options(options(environment, properties, connectionDetails(beanFactory)));
            customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
            TidepoolPool pool = builder.buildPool();
            if (properties.isRequired()) {
                try {
                    pool.start().block(pool.configuration().startTimeout().plus(MARGIN));
                } catch (RuntimeException e) {
                    pool.close().block(pool.configuration().closeTimeout().plus(MARGIN));
                    throw e;
                }
            } else {
                log.info("pool '{}' is optional (tidepool.required=false): not started; it opens connections when"
                        + " first used", pool.name());
            }
            return pool;
        }

        /**
         * Which pool the auto-configuration made and whether it is required, for the health auto-configuration.
         *
         * @param connectionFactory the pool
         * @param properties the {@code tidepool.*} properties
         * @return the holder
         */
        @Bean
        AutoConfiguredPool tidepoolAutoConfiguredPool(TidepoolPool connectionFactory, TidepoolProperties properties) {
            return new AutoConfiguredPool(connectionFactory, properties.isRequired());
        }
    }

    /**
     * The options of the pool: a service connection's ({@code R2dbcConnectionDetails} from Testcontainers or Docker
     * Compose), or else the URL's, then {@code spring.r2dbc.username}, {@code password} and {@code name} where they
     * have none, then {@code spring.r2dbc.properties.*}, then the mapped {@code spring.r2dbc.pool.*} keys, then
     * {@code tidepool.*}; each later one wins over the earlier ones.
     */
    static ConnectionFactoryOptions options(Environment environment, TidepoolProperties properties,
                                            @Nullable ConnectionFactoryOptions serviceConnection) {
        Binder binder = Binder.get(environment);
        ConnectionFactoryOptions parsed;
        if (serviceConnection != null) {
            parsed = serviceConnection;
        } else {
            String url = environment.getRequiredProperty(URL);
            // the builder's own URL checks (driver, host, misspelt option names), with messages that hide the password
            PoolConfiguration.builder().url(url);
            parsed = ConnectionFactoryOptions.parse(url);
        }
        ConnectionFactoryOptions.Builder options = parsed.mutate();
        setIfAbsent(options, parsed, ConnectionFactoryOptions.USER, environment.getProperty("spring.r2dbc.username"));
        setIfAbsent(options, parsed, ConnectionFactoryOptions.PASSWORD, environment.getProperty("spring.r2dbc.password"));
        setIfAbsent(options, parsed, ConnectionFactoryOptions.DATABASE, environment.getProperty("spring.r2dbc.name"));
        binder.bind("spring.r2dbc.properties", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of())
                .forEach((key, value) -> options.option(Option.valueOf(key), value));
        Map<String, String> tidepool = properties.options();
        R2dbcPoolKeys.Result mapped = R2dbcPoolKeys.read(R2dbcPoolKeysHiding.originalBinder(environment),
                tidepool);
        if (!mapped.read().isEmpty()) {
            log.info("read r2dbc-pool's keys as Tidepool's (rename them to drop this line): {}",
                    String.join(", ", mapped.read()));
        }
        Map<String, String> pool = new LinkedHashMap<>(mapped.options());
        pool.putAll(tidepool);
        pool.forEach((key, value) -> options.option(Option.valueOf(key), value));
        return options.build();
    }

    private static <T extends CharSequence> void setIfAbsent(ConnectionFactoryOptions.Builder options,
                                                             ConnectionFactoryOptions parsed, Option<T> option,
                                                             @Nullable T value) {
        if (value != null && !value.isEmpty() && !parsed.hasOption(option)) {
            options.option(option, value);
        }
    }

    /**
     * The options of an {@code R2dbcConnectionDetails} bean (Spring Boot 4's or 3's) that a service connection
     * declared, if there is one; Spring Boot's own, made from {@code spring.r2dbc.*}, is not one (those properties
     * are read directly).
     */
    static @Nullable ConnectionFactoryOptions connectionDetails(ListableBeanFactory beanFactory) {
        for (String type : CONNECTION_DETAILS) {
            if (!ClassUtils.isPresent(type, beanFactory.getClass().getClassLoader())) {
                continue;
            }
            Class<?> detailsType = ClassUtils.resolveClassName(type, beanFactory.getClass().getClassLoader());
            for (Object details : beanFactory.getBeansOfType(detailsType).values()) {
                if (details.getClass().getName().endsWith("PropertiesR2dbcConnectionDetails")) {
                    continue;
                }
                try {
                    return (ConnectionFactoryOptions) detailsType.getMethod("getConnectionFactoryOptions")
                            .invoke(details);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("could not read the R2DBC connection details of "
                            + details.getClass().getName(), e);
                }
            }
        }
        return null;
    }

    /** Spring Boot 4's and Spring Boot 3's {@code R2dbcConnectionDetails}. */
    static final String[] CONNECTION_DETAILS = {
        "org.springframework.boot.r2dbc.autoconfigure.R2dbcConnectionDetails",
        "org.springframework.boot.autoconfigure.r2dbc.R2dbcConnectionDetails"};

    /** A database to connect to: {@code spring.r2dbc.url}, or a service connection's details. */
    static final class OnDatabase extends AnyNestedCondition {

        OnDatabase() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(name = URL)
        static final class Url {
        }

        @ConditionalOnBean(type = "org.springframework.boot.r2dbc.autoconfigure.R2dbcConnectionDetails")
        static final class Boot4ServiceConnection {
        }

        @ConditionalOnBean(type = "org.springframework.boot.autoconfigure.r2dbc.R2dbcConnectionDetails")
        static final class Boot3ServiceConnection {
        }
    }

    /** The auto-configured pool and whether it is required; for the health contributor. */
    record AutoConfiguredPool(TidepoolPool pool, boolean required) {
    }
}
