package io.tidepool.test;

import io.tidepool.TidepoolPool;
import org.junit.jupiter.api.AfterEach;

import java.time.Duration;

/** A test that builds one pool at a time into {@link #pool}; whatever the test does, the pool is closed after it. */
public abstract class PoolTest {

    /** The pool under test; may stay null. */
    protected TidepoolPool pool;

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close().block(Duration.ofSeconds(45));
        }
    }
}
