/**
 * A pool's figures at one moment ({@link io.tidepool.stats.PoolStats}): what {@code TidepoolPool.stats()} answers and
 * every pool error carries. It depends on no other Tidepool package, so the pool's API and its errors can both use
 * it without depending on each other both ways.
 */
@NullMarked
package io.tidepool.stats;

import org.jspecify.annotations.NullMarked;
