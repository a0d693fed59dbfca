package io.tidepool.pg.internal;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The client's one SecureRandom (SCRAM nonces, TLS): a DRBG seeded when the first connection factory is made, on the
 * caller's thread, so that the event loops never read {@code /dev/urandom} (the platform default, NativePRNG, does on
 * every call).
 */
final class Randomness {

    private static final SecureRandom RANDOM = create();

    private Randomness() {
    }

    private static SecureRandom create() {
        SecureRandom r;
        try {
            r = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            r = new SecureRandom();
        }
        // the first draw instantiates (seeds) the DRBG: do it here, not on an event loop
        r.nextBytes(new byte[16]);
        return r;
    }

    static SecureRandom get() {
        return RANDOM;
    }
}
