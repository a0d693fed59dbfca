package io.tidepool.replica;

import io.r2dbc.spi.R2dbcTransientResourceException;

import java.time.Duration;

/** Read-only work found no standby in rotation, and the set does not fall back to the primary. */
public final class NoReplicaAvailableException extends R2dbcTransientResourceException {

    private static final long serialVersionUID = 1L;

    NoReplicaAvailableException(int standbys, Duration maxLag) {
        super("no replica in rotation: each of " + standbys + " standbys is more than maxLag (" + maxLag.toMillis()
                + " ms) behind or failed its lag check, and fallbackToPrimary is off");
    }
}
