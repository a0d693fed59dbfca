package io.tidepool;

/** Where a pool is in its lifecycle. Transitions only move forward: {@code NEW → STARTING → RUNNING → CLOSING → CLOSED}. */
public enum PoolState {
    /** Built, not started: connections are still opened on demand. */
    NEW,
    /** {@link TidepoolPool#start()} is warming the pool up. */
    STARTING,
    /** Started, or used without being started. */
    RUNNING,
    /** {@link TidepoolPool#close()} was called: new acquires fail, borrowed connections are awaited. */
    CLOSING,
    /** Every connection is closed. */
    CLOSED
}
