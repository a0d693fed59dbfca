/**
 * Tidepool's Spring Boot 4 and 3.5 auto-configuration: {@link io.tidepool.spring.boot.autoconfigure.TidepoolAutoConfiguration}
 * (the application's pool from {@code spring.r2dbc.*} and
 * {@link io.tidepool.spring.boot.autoconfigure.TidepoolProperties tidepool.*}),
 * {@link io.tidepool.spring.boot.autoconfigure.TidepoolHealthAutoConfiguration} (one health indicator per pool),
 * {@link io.tidepool.spring.boot.autoconfigure.TidepoolMetricsAutoConfiguration} (the pools' meters) and
 * {@link io.tidepool.spring.boot.autoconfigure.TidepoolLifecycleAutoConfiguration} (registries started and stopped
 * with the context). Use it through {@code tidepool-spring-boot-starter}.
 */
@NullMarked
package io.tidepool.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
