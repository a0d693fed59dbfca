/**
 * The Tidepool API: {@link io.tidepool.TidepoolPool}, its immutable {@link io.tidepool.PoolConfiguration} and
 * its {@link io.tidepool.stats.PoolStats}.
 */
@NullMarked
package io.tidepool;

import io.tidepool.stats.PoolStats;
import org.jspecify.annotations.NullMarked;
