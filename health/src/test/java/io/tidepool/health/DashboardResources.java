package io.tidepool.health;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads the module's resources in tests. */
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
