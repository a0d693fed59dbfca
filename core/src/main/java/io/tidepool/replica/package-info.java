/**
 * Reads on replicas: {@link io.tidepool.replica.ReplicaSet}, one facade over a primary pool and standby pools, that
 * sends read-only work to a standby close enough behind and everything else to the primary.
 */
@NullMarked
package io.tidepool.replica;

import org.jspecify.annotations.NullMarked;
