package io.tidepool;

import java.util.Locale;

/**
 * Which PostgreSQL protocol client a pool's connections speak through. Set with
 * {@link PoolConfiguration.Builder#client(ProtocolClient)} or the URL option {@code client=native} /
 * {@code client=r2dbc-postgresql}. Which one is the default is decided by measurement (docs/adr/0008).
 */
public enum ProtocolClient {

    /**
     * r2dbc-postgresql: every feature it has (COPY, LISTEN/NOTIFY, multi-host failover URLs, replication, every type
     * codec), at its cost per exchange. The default.
     */
    R2DBC_POSTGRESQL("r2dbc-postgresql"),

    /**
     * Tidepool's own client ({@code tidepool-pg-client}): startup and authentication (trust, MD5, SCRAM-SHA-256), TLS,
     * simple and extended protocol with a bounded statement cache, binary transfer of the common types, pipelining,
     * BEGIN sent with the first statement of a transaction (no round trip of its own), and multi-host failover URLs
     * (each new connection to a host of the target role, checked). Not yet: COPY, LISTEN/NOTIFY, replication; such a
     * feature fails with an error that names it and
     * {@code client=r2dbc-postgresql}. See docs/pg-client.md.
     */
    NATIVE("native");

    private final String urlValue;

    ProtocolClient(String urlValue) {
        this.urlValue = urlValue;
    }

    /** The value in a URL: {@code native} or {@code r2dbc-postgresql}. */
    public String urlValue() {
        return urlValue;
    }

    /** The client a URL option names: {@code native} or {@code r2dbc-postgresql}, in any case. */
    public static ProtocolClient parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (ProtocolClient client : values()) {
            if (client.urlValue.equals(v)) {
                return client;
            }
        }
        throw new IllegalArgumentException("client must be native or r2dbc-postgresql, was '" + value + "'");
    }
}
