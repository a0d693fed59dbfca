package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.TidepoolPool;
import io.tidepool.registry.PoolRegistry;
import io.tidepool.registry.RegisteredPool;
import org.springframework.beans.factory.ObjectProvider;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every Tidepool pool of an application, each once, with whether it is required: the pools of its
 * {@link PoolRegistry} beans (required or optional as registered), the {@link ConnectionFactory} beans that are or
 * wrap a pool (required, unless it is the auto-configured pool with {@code tidepool.required=false}).
 */
record TidepoolPools(List<Member> members) {

    /** One pool and whether the application needs it. */
    record Member(TidepoolPool pool, boolean required) {
    }

    static TidepoolPools of(ObjectProvider<ConnectionFactory> factories, ObjectProvider<PoolRegistry> registries,
                            ObjectProvider<TidepoolAutoConfiguration.AutoConfiguredPool> autoConfigured) {
        Map<TidepoolPool, Boolean> required = new IdentityHashMap<>();
        List<TidepoolPool> ordered = new ArrayList<>();
        registries.orderedStream().forEach(registry -> {
            for (RegisteredPool registered : registry.pools()) {
                registry.find(registered.name()).ifPresent(pool -> {
                    if (required.put(pool, registered.required()) == null) {
                        ordered.add(pool);
                    }
                });
            }
        });
        TidepoolAutoConfiguration.AutoConfiguredPool auto = autoConfigured.getIfAvailable();
        for (TidepoolPool pool : SpringPools.of(factories).all()) {
            if (!required.containsKey(pool)) {
                required.put(pool, auto == null || auto.pool() != pool || auto.required());
                ordered.add(pool);
            }
        }
        return new TidepoolPools(ordered.stream().map(pool -> new Member(pool, required.get(pool))).toList());
    }

    /** The message when two pools share {@code name}: health members and meters need distinct names. */
    static String duplicateName(String name) {
        return "two pools are named '" + name + "': give each pool its own name"
                + " (tidepool.name, or the builder's name(...)) so that health and metrics can tell them apart";
    }

    List<TidepoolPool> pools() {
        return members.stream().map(Member::pool).toList();
    }
}
