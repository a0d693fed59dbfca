/**
 * Health checks of Tidepool pools: {@link io.tidepool.health.PoolHealthCheck} judges one pool UP, DEGRADED or DOWN,
 * {@link io.tidepool.health.HealthAggregate} judges several, with required and optional pools.
 */
@NullMarked
package io.tidepool.health;

import org.jspecify.annotations.NullMarked;
