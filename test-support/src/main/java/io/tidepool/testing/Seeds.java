package io.tidepool.testing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed of a randomized test: {@value #PROPERTY} when set (to replay a failure), otherwise a fresh one; logged
 * either way, and put in every assertion message by the tests that use it.
 */
public final class Seeds {

    /** The system property that replays a seed: {@code -Dtidepool.test.seed=1234}. */
    public static final String PROPERTY = "tidepool.test.seed";

    private static final Logger log = LoggerFactory.getLogger(Seeds.class);

    private Seeds() {
    }

    /** The seed for {@code test}, logged with how to replay it. */
    public static long of(String test) {
        String given = System.getProperty(PROPERTY);
        long seed = given != null && !given.isBlank() ? Long.parseLong(given.strip()) : System.nanoTime();
        log.info("{}: random seed {} (replay with -D{}={})", test, seed, PROPERTY, seed);
        return seed;
    }
}
