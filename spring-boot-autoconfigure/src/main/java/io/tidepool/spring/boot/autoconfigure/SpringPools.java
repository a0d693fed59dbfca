package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;
import io.tidepool.TidepoolPool;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The Tidepool pools among an application's {@link ConnectionFactory} beans: the beans that are pools, and the pools
 * that beans wrap ({@link Wrapped}, as Spring Boot's {@code OptionsCapableConnectionFactory} does), each once.
 */
record SpringPools(List<TidepoolPool> all, List<TidepoolPool> wrappedOnly) {

    /** How many wrappers deep a pool is looked for. */
    private static final int MAX_DEPTH = 8;

    static SpringPools of(ObjectProvider<ConnectionFactory> factories) {
        List<ConnectionFactory> beans = factories.orderedStream().toList();
        Set<TidepoolPool> beansThemselves = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<TidepoolPool> all = Collections.newSetFromMap(new IdentityHashMap<>());
        List<TidepoolPool> ordered = new ArrayList<>();
        for (ConnectionFactory bean : beans) {
            if (bean instanceof TidepoolPool pool) {
                beansThemselves.add(pool);
            }
        }
        List<TidepoolPool> wrappedOnly = new ArrayList<>();
        for (ConnectionFactory bean : beans) {
            TidepoolPool pool = unwrap(bean);
            if (pool != null && all.add(pool)) {
                ordered.add(pool);
                if (!beansThemselves.contains(pool)) {
                    wrappedOnly.add(pool);
                }
            }
        }
        return new SpringPools(List.copyOf(ordered), List.copyOf(wrappedOnly));
    }

    private static @Nullable TidepoolPool unwrap(Object factory) {
        Object current = factory;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            if (current instanceof TidepoolPool pool) {
                return pool;
            }
            if (!(current instanceof Wrapped<?> wrapped)) {
                return null;
            }
            current = wrapped.unwrap();
        }
        return null;
    }
}
