package io.tidepool.registry;

import java.util.Optional;

/**
 * A snapshot of one pool of a {@link PoolRegistry}, as {@link PoolRegistry#pools()} lists them.
 *
 * @param name the pool's name, as configured
 * @param required whether the registry's start fails when this pool cannot start
 * @param maxSize the pool's configured maximum number of connections, counted against the connection budget
 * @param availability whether the pool can be used
 * @param failedStarts how many start attempts of this pool failed, the first one and background retries included
 * @param lastFailure the error of the last failed start attempt; empty if none failed
 */
public record RegisteredPool(String name, boolean required, int maxSize, PoolAvailability availability,
                             int failedStarts, Optional<Throwable> lastFailure) {
}
