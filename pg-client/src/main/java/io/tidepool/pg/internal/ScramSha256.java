package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL runs it: no channel binding ({@code n,,}), the
 * user name left empty (the server uses the startup user). The password goes through SASLprep first, as on the
 * server.
 */
final class ScramSha256 {

    static final String MECHANISM = "SCRAM-SHA-256";

    private final char[] password;
    private final String clientNonce;
    private final String clientFirstBare;
    /** Known once the server-first-message is answered: before that no server-final-message can be checked. */
    private byte @Nullable [] serverSignature;
    private boolean verified;

    ScramSha256(CharSequence password) {
        // the server derived its verifier from the SASLprep'd password
        this.password = SaslPrep.prepare(password).toCharArray();
        byte[] nonce = new byte[18];
        Randomness.get().nextBytes(nonce);
        this.clientNonce = Base64.getEncoder().encodeToString(nonce);
        this.clientFirstBare = "n=,r=" + clientNonce;
    }

    /** client-first-message */
    byte[] clientFirst() {
        return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /** client-final-message, from the server-first-message. */
    byte[] clientFinal(byte[] serverFirstBytes) {
        if (serverSignature != null) {
            throw new PgProtocolException("SCRAM server-first-message received twice");
        }
        String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        String nonce = null;
        String salt = null;
        int iterations = -1;
        for (String part : serverFirst.split(",")) {
            if (part.startsWith("r=")) {
                nonce = part.substring(2);
            } else if (part.startsWith("s=")) {
                salt = part.substring(2);
            } else if (part.startsWith("i=")) {
                try {
                    iterations = Integer.parseInt(part.substring(2));
                } catch (NumberFormatException e) {
                    throw new PgProtocolException("SCRAM server-first-message has an invalid iteration count");
                }
            }
        }
        if (nonce == null || salt == null || iterations < 1) {
            throw new PgProtocolException("SCRAM server-first-message is malformed");
        }
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new PgProtocolException("SCRAM server nonce does not extend the client nonce");
        }
        try {
            byte[] saltedPassword = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password, Base64.getDecoder().decode(salt), iterations, 256))
                    .getEncoded();
            byte[] clientKey = hmac(saltedPassword, "Client Key");
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            String clientFinalWithoutProof = "c=biws,r=" + nonce;
            String authMessage = clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof;
            byte[] clientSignature = hmac(storedKey, authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
            }
            serverSignature = hmac(hmac(saltedPassword, "Server Key"), authMessage);
            return (clientFinalWithoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
                    .getBytes(StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new PgProtocolException("SCRAM computation failed: " + e.getMessage());
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }

    /** Checks the server-final-message: the server proves it knows the password too. */
    void verifyServerFinal(byte[] serverFinalBytes) {
        byte[] expected = serverSignature;
        if (expected == null) {
            // without the server-first-message there is nothing the server could have proved
            throw new PgProtocolException("SCRAM server-final-message arrived before the server-first-message"
                    + " (SASLFinal without SASLContinue)");
        }
        if (verified) {
            throw new PgProtocolException("SCRAM server-final-message received twice");
        }
        String serverFinal = new String(serverFinalBytes, StandardCharsets.UTF_8);
        if (serverFinal.startsWith("e=")) {
            throw new PgProtocolException("SCRAM authentication failed: " + serverFinal.substring(2));
        }
        if (!serverFinal.startsWith("v=")) {
            throw new PgProtocolException("SCRAM server-final-message is malformed");
        }
        String v = serverFinal.substring(2);
        int comma = v.indexOf(',');
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(comma < 0 ? v : v.substring(0, comma));
        } catch (IllegalArgumentException e) {
            throw new PgProtocolException("SCRAM server signature is not valid base64");
        }
        // constant time: how far a guess matched must not show in the timing
        if (!MessageDigest.isEqual(signature, expected)) {
            throw new PgProtocolException("SCRAM server signature does not match: the server does not know the"
                    + " password");
        }
        verified = true;
    }

    /** Whether a server-final-message proved the server knows the password. */
    boolean verified() {
        return verified;
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }
}
