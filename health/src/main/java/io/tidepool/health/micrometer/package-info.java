/**
 * Micrometer meters of Tidepool pools, named after the OpenTelemetry database client conventions:
 * {@link io.tidepool.health.micrometer.TidepoolMeterBinder} and the inventory {@link io.tidepool.health.micrometer.TidepoolMeters}.
 */
@NullMarked
package io.tidepool.health.micrometer;

import org.jspecify.annotations.NullMarked;
