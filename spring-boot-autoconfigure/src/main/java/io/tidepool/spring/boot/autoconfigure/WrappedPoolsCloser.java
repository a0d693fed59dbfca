package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.TidepoolPool;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;

import java.time.Duration;
import java.util.List;

/**
 * Closes, when the application context closes, the pools that no bean destroy method reaches: those Spring Boot
 * built from a {@code r2dbc:tidepool:} URL and wrapped in a factory that has no {@code close()}. Without it their
 * connections would stay open on the server until the process exits, and a context restarted in the same JVM
 * (tests, devtools) would leave a pool behind each time.
 */
final class WrappedPoolsCloser implements DisposableBean {

    /** Beyond the pool's own {@code closeTimeout}, which bounds the close. */
    private static final Duration MARGIN = Duration.ofSeconds(5);

    private final List<TidepoolPool> pools;

    WrappedPoolsCloser(List<TidepoolPool> pools) {
        this.pools = pools;
    }

    /**
     * Closes each pool and waits for it, within its {@code closeTimeout}; every pool is closed even if one fails,
     * and the first failure is thrown (Spring logs it) with the others suppressed.
     */
    @Override
    public void destroy() {
        @Nullable RuntimeException failure = null;
        for (TidepoolPool pool : pools) {
            try {
                pool.close().block(pool.configuration().closeTimeout().plus(MARGIN));
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
