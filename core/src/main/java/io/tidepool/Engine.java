package io.tidepool;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * How the API reaches the engine: by name, not by import. The engine ({@code io.tidepool.internal}, not exported)
 * depends on this package; were this package to import it back, the two would form an import circle. Looked up once.
 */
final class Engine {

    private static final String POOL = "io.tidepool.internal.DefaultTidepoolPool";
    private static final MethodHandle NEW_POOL = lookUp();

    private Engine() {
    }

    private static MethodHandle lookUp() {
        try {
            return MethodHandles.lookup().findConstructor(Class.forName(POOL),
                    MethodType.methodType(void.class, PoolConfiguration.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A new pool with this configuration, not started. */
    static TidepoolPool newPool(PoolConfiguration configuration) {
        try {
            return (TidepoolPool) NEW_POOL.invoke(configuration);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("pool '" + configuration.name() + "' could not be made", e);
        }
    }
}
