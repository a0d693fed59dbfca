/**
 * Typed exceptions of the pool. Each extends the R2DBC category a generic handler expects
 * ({@link io.r2dbc.spi.R2dbcTimeoutException}, {@link io.r2dbc.spi.R2dbcTransientResourceException}, ...) and
 * carries the pool's name and a snapshot of its state.
 */
@NullMarked
package io.tidepool.error;

import org.jspecify.annotations.NullMarked;
