package io.tidepool.pg;

/**
 * Whether and how the connection is encrypted.
 *
 * @since 0.1.0
 */
public enum PgSslMode {

    /** Plain TCP: no SSLRequest is sent. */
    DISABLE,

    /**
     * TLS is required but the server's certificate is not checked: protects against passive eavesdropping only. A
     * server that refuses TLS fails the connection.
     */
    REQUIRE,

    /**
     * TLS with the server's certificate checked against the trust store (the configured PEM root certificate, else
     * the JVM's default trust store) and its name checked against the configured host.
     */
    VERIFY_FULL
}
