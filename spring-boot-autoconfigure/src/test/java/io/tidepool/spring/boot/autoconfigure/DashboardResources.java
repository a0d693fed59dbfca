package io.tidepool.spring.boot.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads the module's resources in tests. *
 * <p>A copy of the health module's own: this module is built in the demo's reactor, whose {@code compile exec:java}
 * resolves test scope, so it may use no test-jar.
 */
public final class DashboardResources {

    private DashboardResources() {
    }

    /** The resource at {@code path} as text; fails if it is missing. */
    public static String read(String path) throws IOException {
        try (InputStream in = DashboardResources.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("no resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
