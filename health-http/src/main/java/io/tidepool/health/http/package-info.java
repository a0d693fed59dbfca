/** The HTTP endpoint for health and Prometheus metrics, on Reactor Netty: {@link io.tidepool.health.http.HealthServer}. */
@NullMarked
package io.tidepool.health.http;

import org.jspecify.annotations.NullMarked;
