/**
 * jOOQ on R2DBC over a Tidepool pool: {@link io.tidepool.examples.jooq.TaskBoard}. The pool is the
 * {@code ConnectionFactory} jOOQ is given; on either protocol client ({@code client=native} or
 * {@code client=r2dbc-postgresql}) nothing in the jOOQ code changes.
 */
package io.tidepool.examples.jooq;
