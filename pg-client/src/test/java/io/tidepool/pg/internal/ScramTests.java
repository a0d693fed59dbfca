package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tidepool.pg.PgConnectionConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** SCRAM-SHA-256 against a scripted server: the client connects only once the server proved it knows the password. */
@Timeout(20)
class ScramTests {

    private static final String PASSWORD = "scripted-Pw-42";
    private static final byte[] SALT = "sixteen-salt-pad".getBytes(StandardCharsets.US_ASCII);
    private static final int ITERATIONS = 4096;

    private final ScriptedConnection c = new ScriptedConnection();
    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private String clientFirstBare;
    private String serverFirst;

    @AfterEach
    void close() {
        c.close();
    }

    private void start() {
        PgConnectionConfiguration config = PgConnectionConfiguration.builder().host("scripted").user("u")
                .password(PASSWORD).build();
        c.engine.submit(new StartupCommand(config, () -> ready.set(true), failure::set));
        assertThat(c.written()).isNotEmpty(); // the StartupMessage
        c.feed(Backend.message('R', b -> {
            b.writeInt(10);
            Backend.cstring(b, ScramSha256.MECHANISM);
            b.writeByte(0);
        }));
        ByteBuf initial = password(c.written());
        assertThat(cstring(initial)).isEqualTo(ScramSha256.MECHANISM);
        String clientFirst = initial.readCharSequence(initial.readInt(), StandardCharsets.UTF_8).toString();
        assertThat(clientFirst).startsWith("n,,");
        clientFirstBare = clientFirst.substring(3);
    }

    /** Sends the server-first-message and returns the client-final-message without its proof. */
    private String serverFirst() {
        String clientNonce = clientFirstBare.substring(clientFirstBare.indexOf("r=") + 2);
        serverFirst = "r=" + clientNonce + "server-part,s=" + Base64.getEncoder().encodeToString(SALT) + ",i="
                + ITERATIONS;
        c.feed(sasl(11, serverFirst));
        ByteBuf response = password(c.written());
        String clientFinal = response.toString(StandardCharsets.UTF_8);
        return clientFinal.substring(0, clientFinal.indexOf(",p="));
    }

    private static byte[] sasl(int code, String data) {
        return Backend.message('R', b -> {
            b.writeInt(code);
            b.writeBytes(data.getBytes(StandardCharsets.UTF_8));
        });
    }

    private static ByteBuf password(byte[] written) {
        ByteBuf b = Unpooled.wrappedBuffer(written);
        assertThat((char) b.readByte()).isEqualTo('p');
        assertThat(b.readInt()).isEqualTo(written.length - 1);
        return b;
    }

    private static String cstring(ByteBuf b) {
        int nul = b.bytesBefore((byte) 0);
        String s = b.readCharSequence(nul, StandardCharsets.UTF_8).toString();
        b.skipBytes(1);
        return s;
    }

    /** The signature a server that knows the password computes (RFC 5802). */
    private String serverSignature(String clientFinalWithoutProof) throws GeneralSecurityException {
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(PASSWORD.toCharArray(), SALT, ITERATIONS, 256)).getEncoded();
        String authMessage = clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof;
        return Base64.getEncoder().encodeToString(hmac(hmac(salted, "Server Key"), authMessage));
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private void finishStartup() {
        c.feed(Backend.concat(Backend.authOk(), Backend.backendKey(7, 8), Backend.readyForQuery('I')));
    }

    private void assertRefused(String message) {
        assertThat(ready).isFalse();
        assertThat(failure.get()).isNotNull()
                .hasMessage("protocol error on the connection to scripted:5432: " + message);
        assertThat(failure.get().getMessage()).doesNotContain(PASSWORD);
        assertThat(c.channel.isOpen()).isFalse();
    }

    @Test
    void aServerThatProvesItKnowsThePasswordIsAccepted() throws Exception {
        start();
        String clientFinal = serverFirst();
        c.feed(sasl(12, "v=" + serverSignature(clientFinal)));
        finishStartup();
        assertThat(failure.get()).isNull();
        assertThat(ready).isTrue();
    }

    @Test
    void aServerFinalMessageWithoutTheServerFirstIsRefused() {
        start();
        c.feed(sasl(12, "v="));
        finishStartup();
        assertRefused("SCRAM server-final-message arrived before the server-first-message (SASLFinal without"
                + " SASLContinue)");
    }

    @Test
    void aServerSignatureThatDoesNotMatchIsRefused() {
        start();
        serverFirst();
        c.feed(sasl(12, "v=" + Base64.getEncoder().encodeToString(new byte[32])));
        finishStartup();
        assertRefused("SCRAM server signature does not match: the server does not know the password");
    }

    @Test
    void anEmptyServerSignatureIsRefused() {
        start();
        serverFirst();
        c.feed(sasl(12, "v="));
        finishStartup();
        assertRefused("SCRAM server signature does not match: the server does not know the password");
    }

    @Test
    void aServerSignatureThatIsNotBase64IsRefused() {
        start();
        serverFirst();
        c.feed(sasl(12, "v=not*base64"));
        assertRefused("SCRAM server signature is not valid base64");
    }

    @Test
    void authenticationOkRightAfterTheSaslStartIsRefused() {
        start();
        finishStartup();
        assertRefused("the server sent AuthenticationOk in the middle of SCRAM authentication, before proving it"
                + " knows the password");
    }

    @Test
    void authenticationOkInsteadOfTheServerFinalIsRefused() {
        start();
        serverFirst();
        finishStartup();
        assertRefused("the server sent AuthenticationOk in the middle of SCRAM authentication, before proving it"
                + " knows the password");
    }

    @Test
    void aSwitchToACleartextPasswordInTheMiddleOfScramIsRefused() {
        start();
        c.feed(Backend.message('R', b -> b.writeInt(3)));
        assertRefused("the server asked for a cleartext password in the middle of SCRAM authentication");
        assertThat(c.written()).as("the password never left").isEmpty();
    }

    @Test
    void aSwitchToMd5AfterTheServerFirstIsRefused() {
        start();
        serverFirst();
        c.feed(Backend.message('R', b -> b.writeInt(5).writeBytes(new byte[] {1, 2, 3, 4})));
        assertRefused("the server asked for an MD5 password in the middle of SCRAM authentication");
        assertThat(c.written()).as("no MD5 of the password left").isEmpty();
    }

    @Test
    void authenticationOkWithoutSaslIsAcceptedAsTrust() {
        PgConnectionConfiguration config = PgConnectionConfiguration.builder().host("scripted").user("u").build();
        c.engine.submit(new StartupCommand(config, () -> ready.set(true), failure::set));
        c.written();
        finishStartup();
        assertThat(failure.get()).isNull();
        assertThat(ready).isTrue();
    }
}
