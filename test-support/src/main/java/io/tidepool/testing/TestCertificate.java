package io.tidepool.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed server certificate made for this test run with {@code openssl}: valid for the host name
 * {@code localhost} only (no IP address), so {@code sslMode=verify-full} succeeds through "localhost" and fails
 * through "127.0.0.1".
 */
public final class TestCertificate {

    private static volatile TestCertificate instance;

    private final Path certificate;
    private final Path privateKey;

    private TestCertificate(Path certificate, Path privateKey) {
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    public static TestCertificate get() {
        TestCertificate local = instance;
        if (local == null) {
            synchronized (TestCertificate.class) {
                local = instance;
                if (local == null) {
                    local = make();
                    instance = local;
                }
            }
        }
        return local;
    }

    private static TestCertificate make() {
        try {
            Path dir = Files.createTempDirectory("tidepool-test-tls");
            Path cert = dir.resolve("server.crt");
            Path key = dir.resolve("server.key");
            Process openssl = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", key.toString(), "-out", cert.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
            if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
                throw new IllegalStateException("openssl could not make the test certificate: "
                        + Files.readString(dir.resolve("openssl.log")));
            }
            // PostgreSQL refuses a private key that others can read
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            return new TestCertificate(cert, key);
        } catch (IOException e) {
            throw new IllegalStateException("could not make the test certificate", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the test certificate", e);
        }
    }

    public Path certificate() {
        return certificate;
    }

    public Path privateKey() {
        return privateKey;
    }
}
