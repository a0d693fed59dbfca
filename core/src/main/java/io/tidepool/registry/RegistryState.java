package io.tidepool.registry;

/**
 * Where a {@link PoolRegistry} is in its lifecycle. Transitions only move forward, except that a registry moves
 * between {@link #RUNNING} and {@link #DEGRADED} as optional pools fail and recover:
 * {@code NEW → STARTING → RUNNING ⇄ DEGRADED → STOPPING → STOPPED}, or {@code STARTING → STOPPING → FAILED} when a
 * required pool could not start.
 */
public enum RegistryState {
    /** Built, not started. */
    NEW,
    /** {@link PoolRegistry#start()} is starting the pools. */
    STARTING,
    /** Every pool started. */
    RUNNING,
    /** Every required pool started; at least one optional pool did not and is being retried in the background. */
    DEGRADED,
    /** {@link PoolRegistry#stop(java.time.Duration)} is closing the pools, or a failed start is rolling back. */
    STOPPING,
    /** Every pool is closed (or was asked to close when the stop deadline elapsed). */
    STOPPED,
    /** A required pool could not start; every pool was closed. The registry cannot be started again. */
    FAILED
}
