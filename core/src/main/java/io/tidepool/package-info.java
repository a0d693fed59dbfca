/**
 * The Tidepool API: {@link io.tidepool.TidepoolPool}, its immutable {@link io.tidepool.PoolConfiguration} and
 * its {@link io.tidepool.PoolStats}.
 */
@NullMarked
package io.tidepool;

import org.jspecify.annotations.NullMarked;
