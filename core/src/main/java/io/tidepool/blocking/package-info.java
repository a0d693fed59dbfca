/**
 * A blocking bridge to a {@link io.tidepool.TidepoolPool} for imperative code that cannot become reactive:
 * {@link io.tidepool.blocking.BlockingPool} runs a call under a deadline and refuses to run on a non-blocking thread.
 */
@NullMarked
package io.tidepool.blocking;

import org.jspecify.annotations.NullMarked;
