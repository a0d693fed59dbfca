package io.tidepool;

import java.time.Duration;

/**
 * Receives a pool's events as they happen: what the health module turns into meters, and what a service can log.
 * Every method has an empty default, so a listener overrides only what it needs.
 *
 * <h2>Threads</h2>
 * Each method is called on the thread where the event happened: a driver event loop, the pool's scheduler, or the
 * caller's thread. It must return quickly and never block. An exception it throws is logged and swallowed: a
 * listener cannot break the pool.
 *
 * <p>Durations are measured with {@link System#nanoTime()}; an acquire's wait is measured as its deadline is, in the
 * time of the pool's scheduler, which is {@code System.nanoTime()} too unless the scheduler keeps its own (a
 * virtual-time scheduler in tests).
 *
 * @see TidepoolPool#addListener(PoolListener)
 */
public interface PoolListener {

    /** A new connection was opened, which took {@code took}. */
    default void connectionCreated(String pool, Duration took) {
    }

    /** Opening a connection failed or timed out after {@code took}. */
    default void connectionCreateFailed(String pool, Duration took, Throwable error) {
    }

    /** A connection was handed to a borrower who waited {@code waited} for it (validation included). */
    default void connectionAcquired(String pool, Duration waited) {
    }

    /** A borrower got no connection: the acquire timed out, the waiting queue was full, or the pool closed. */
    default void acquireFailed(String pool, Duration waited, Throwable error) {
    }

    /**
     * A borrower's connection came back after being held for {@code held}; {@code discarded} when it was closed
     * instead of returned to the pool (broken, failed its reset, or reclaimed at close).
     */
    default void connectionReturned(String pool, Duration held, boolean discarded) {
    }

    /** A borrower's work ended with {@code error} (from the database, the driver, or the work itself). */
    default void workFailed(String pool, Throwable error) {
    }

    /** An idle connection failed its validation, or did not answer in time, and was discarded. */
    default void validationFailed(String pool) {
    }

    /**
     * A connection has been borrowed for longer than {@code leakDetectionThreshold}; {@code acquiredAt} holds the
     * stack of the code that acquired it.
     */
    default void leakSuspected(String pool, Duration held, Throwable acquiredAt) {
    }

    /** A connection borrowed for longer than {@code leakReclaimAfter} was taken back from its borrower and closed. */
    default void connectionReclaimed(String pool, Duration held) {
    }

    /** A connection was closed, for any reason. */
    default void connectionClosed(String pool) {
    }

    /**
     * A pool whose connections must go to the primary of several hosts ({@code targetServerType=primary}) saw it gone
     * or read-only ({@code cause}: a broken connection, a failed connect, SQLSTATE 25006), and retired every
     * connection opened before; once per burst of such failures.
     */
    default void failoverDetected(String pool, Throwable cause) {
    }
}
