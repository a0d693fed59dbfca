package example;

import io.tidepool.TidepoolPool;
import io.tidepool.health.PoolHealthCheck;
import io.tidepool.spring.boot.autoconfigure.TidepoolProperties;

/** Compiles only if the starter brings the pool, the health checks and the auto-configuration's API. */
public final class Consumer {

    private Consumer() {
    }

    public static String describe(TidepoolPool pool, TidepoolProperties properties) {
        try (PoolHealthCheck check = PoolHealthCheck.of(pool)) {
            return pool.name() + " " + properties.options() + " " + check;
        }
    }
}
