/**
 * The engine: reactor-pool holding r2dbc-postgresql connections, the lease state machine and the release pipeline.
 * Not exported.
 */
@NullMarked
package io.tidepool.internal;

import org.jspecify.annotations.NullMarked;
