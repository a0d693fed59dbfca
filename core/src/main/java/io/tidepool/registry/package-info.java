/**
 * Application lifecycle for Tidepool pools: a {@link io.tidepool.registry.PoolRegistry} of named pools started
 * together and stopped in reverse order, with a connection budget, an opt-in JVM shutdown hook, and a
 * {@link io.tidepool.registry.PoolRegistry#blocking(String)} handle on a pool for imperative callers.
 */
@NullMarked
package io.tidepool.registry;

import org.jspecify.annotations.NullMarked;
