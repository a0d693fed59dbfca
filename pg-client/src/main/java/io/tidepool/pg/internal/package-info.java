/**
 * The protocol engine: framing, codec, authentication, the command queue and the R2DBC objects over it. Not API.
 */
@NullMarked
package io.tidepool.pg.internal;

import org.jspecify.annotations.NullMarked;
