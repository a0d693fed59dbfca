/**
 * A Spring Boot WebFlux application on a Tidepool pool: a small REST API for notes through Spring's
 * {@code DatabaseClient} and transaction manager, with Tidepool's health in {@code /actuator/health} and its meters in
 * {@code /actuator/prometheus}. See {@code docs/spring-boot.md}.
 */
@NullMarked
package io.tidepool.examples.spring;

import org.jspecify.annotations.NullMarked;
