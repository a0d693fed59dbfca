package io.tidepool.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The work of {@link R2dbcPoolKeysEnvironmentPostProcessor} and {@link R2dbcPoolKeysBoot3EnvironmentPostProcessor},
 * in a class that names neither Spring Boot version's post-processor interface.
 */
final class R2dbcPoolKeysHiding {

    private static final String PREFIX = "spring.r2dbc.pool";
    /** The name Spring Boot gives the property source that adapts all the others. */
    private static final String ATTACHED = "configurationProperties";

    private R2dbcPoolKeysHiding() {
    }

    /**
     * Hides the keys in {@code environment}, if Tidepool's pool is to be the application's; idempotent.
     *
     * @param environment the application's environment
     */
    static void hide(ConfigurableEnvironment environment) {
        // with no spring.r2dbc.url either a service connection supplies the database (Tidepool's pool is built from
        // it) or there is no database for Spring Boot to pool at all: hiding is right or harmless either way
        if (!environment.getProperty(TidepoolProperties.PREFIX + ".enabled", Boolean.class, true)) {
            return;
        }
        MutablePropertySources sources = environment.getPropertySources();
        for (PropertySource<?> source : List.copyOf(sources.stream().toList())) {
            if (source instanceof EnumerablePropertySource<?> enumerable && !(source instanceof WithoutPoolKeys)
                    && !ATTACHED.equals(source.getName())
                    && Arrays.stream(enumerable.getPropertyNames()).anyMatch(R2dbcPoolKeysHiding::isPoolKey)) {
                sources.replace(source.getName(), new WithoutPoolKeys(enumerable));
            }
        }
    }

    /**
     * A binder over the environment as the application wrote it, the hidden keys included.
     *
     * @param environment the application's environment
     * @return the binder
     */
    static Binder originalBinder(Environment environment) {
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            return Binder.get(environment);
        }
        List<PropertySource<?>> originals = new ArrayList<>();
        for (PropertySource<?> source : configurable.getPropertySources()) {
            if (ATTACHED.equals(source.getName())) {
                continue;
            }
            originals.add(source instanceof WithoutPoolKeys without ? without.getSource() : source);
        }
        return new Binder(ConfigurationPropertySources.from(originals),
                new PropertySourcesPlaceholdersResolver(originals));
    }

    /** {@code spring.r2dbc.pool.*} in any of the relaxed forms ({@code SPRING_R2DBC_POOL_MAXSIZE}, ...). */
    static boolean isPoolKey(String name) {
        String normalized = name.toLowerCase(Locale.ROOT).replace('_', '.');
        return normalized.equals(PREFIX) || normalized.startsWith(PREFIX + ".") || normalized.startsWith(PREFIX + "[");
    }

    /** A property source without the {@code spring.r2dbc.pool.*} keys of the one it wraps. */
    static final class WithoutPoolKeys extends EnumerablePropertySource<EnumerablePropertySource<?>> {

        WithoutPoolKeys(EnumerablePropertySource<?> delegate) {
            super(delegate.getName(), delegate);
        }

        @Override
        public String[] getPropertyNames() {
            return Arrays.stream(getSource().getPropertyNames()).filter(name -> !isPoolKey(name))
                    .toArray(String[]::new);
        }

        @Override
        public @Nullable Object getProperty(String name) {
            return isPoolKey(name) ? null : getSource().getProperty(name);
        }
    }
}
