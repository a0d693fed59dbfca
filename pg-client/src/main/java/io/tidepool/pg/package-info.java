/**
 * The client's API: {@link io.tidepool.pg.PgConnectionFactory}, {@link io.tidepool.pg.PgConnectionConfiguration},
 * {@link io.tidepool.pg.PgServerError} and {@link io.tidepool.pg.PgSession}, the view a pool uses for a zero-round-trip
 * clean return.
 */
@NullMarked
package io.tidepool.pg;

import org.jspecify.annotations.NullMarked;
