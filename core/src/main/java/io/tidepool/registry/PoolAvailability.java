package io.tidepool.registry;

/** Whether one registered pool can be used, as the registry sees it from starting it. */
public enum PoolAvailability {
    /** The registry has not started yet. */
    NOT_STARTED,
    /** The pool's first start is under way. */
    STARTING,
    /** The pool started: it opened and checked its first connections. */
    AVAILABLE,
    /**
     * An optional pool that could not start: the registry retries in the background with backoff. Using the pool
     * meanwhile opens connections on demand and fails as long as the server does.
     */
    RETRYING,
    /** A required pool that could not start; the registry's start failed. */
    FAILED,
    /** The pool was closed by the registry. */
    STOPPED
}
