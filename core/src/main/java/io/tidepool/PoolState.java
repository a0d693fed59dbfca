package io.tidepool;

/**
 * Where a pool is in its lifecycle.
 *
 * <p>A pool is {@link #NEW} when built. {@link TidepoolPool#start()} moves it to {@link #STARTING} and, once its first
 * connections are open and checked, to {@link #RUNNING}; a start that fails moves it back to {@link #NEW}, so that
 * it can be started again. A pool used before {@code start()} (as every {@code r2dbc:tidepool:} URL user's is) starts
 * itself on first use and is {@link #RUNNING}. {@link TidepoolPool#close()} moves a pool in any state to
 * {@link #CLOSING}, then {@link #CLOSED}; those two are final.
 *
 * <pre>
 * NEW → STARTING → RUNNING → CLOSING → CLOSED
 *  ↑       │                    ↑
 *  └───────┘ (start failed)     └── from any state
 * NEW → RUNNING (first use without start())
 * </pre>
 */
public enum PoolState {
    /** Built, not started and not used yet. */
    NEW,
    /** {@link TidepoolPool#start()} is warming the pool up; a failed start goes back to {@link #NEW}. */
    STARTING,
    /** Started, or used without being started (a first use starts the pool). */
    RUNNING,
    /** {@link TidepoolPool#close()} was called: new acquires fail, borrowed connections are awaited. */
    CLOSING,
    /** Every connection is closed. */
    CLOSED
}
