/**
 * Optional Spring Boot wiring: a {@link org.springframework.boot.health.contributor.ReactiveHealthIndicator} and a
 * {@link io.micrometer.core.instrument.binder.MeterBinder} bean, auto-configured when the application has
 * {@link io.tidepool.TidepoolPool} beans. Needs {@code spring-boot-health} and {@code spring-boot-autoconfigure}
 * (4.x) on the class path; nothing else in Tidepool does.
 */
@NullMarked
package io.tidepool.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
