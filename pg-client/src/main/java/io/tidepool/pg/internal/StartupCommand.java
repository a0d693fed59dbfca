package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.tidepool.pg.PgConnectionConfiguration;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Startup and authentication as the first command in flight: StartupMessage, then whatever the server asks for
 * (trust, cleartext, MD5, SCRAM-SHA-256), BackendKeyData, and done at the first ReadyForQuery.
 */
final class StartupCommand extends Command {

    private final PgConnectionConfiguration config;
    private final Runnable onReady;
    private final Consumer<Throwable> onFailure;
    private @Nullable ScramSha256 scram;
    private boolean finished;
    private boolean ready;

    StartupCommand(PgConnectionConfiguration config, Runnable onReady, Consumer<Throwable> onFailure) {
        this.config = config;
        this.onReady = onReady;
        this.onFailure = onFailure;
    }

    static Map<String, String> startupParameters(PgConnectionConfiguration config) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", config.user());
        p.put("database", config.database());
        p.put("client_encoding", "UTF8");
        // the text forms the decoder reads: ISO dates, shortest exact floats
        p.put("DateStyle", "ISO");
        p.put("extra_float_digits", "3");
        if (config.applicationName() != null) {
            p.put("application_name", config.applicationName());
        }
        p.putAll(config.options());
        return p;
    }

    @Override
    boolean encode(PgEngine engine, ByteBuf out) {
        Frontend.startup(out, startupParameters(config));
        return true;
    }

    @Override
    boolean onMessage(PgEngine engine, BackendMessage m) {
        switch (m.type()) {
            case 'R':
                try {
                    authenticate(engine, m);
                } catch (NoPasswordException e) {
                    finish(e);
                    engine.channel.close();
                    return true;
                }
                return false;
            case 'K':
                engine.processId = m.readInt();
                engine.secretKey = m.readInt();
                return false;
            case 'v':
                // NegotiateProtocolVersion: we asked for 3.0 and no _pq_ options, nothing to adjust
                return false;
            case 'N':
                return false;
            case 'E': {
                ServerErrorFields f = ServerErrorFields.read(m);
                finish(ServerErrors.toException(f, null));
                engine.channel.close();
                return true;
            }
            case 'Z':
                ready = !finished;
                finished = true;
                return true;
            default:
                throw new PgProtocolException("unexpected message '" + (char) m.type() + "' during startup");
        }
    }

    private void authenticate(PgEngine engine, BackendMessage m) {
        int code = m.readInt();
        switch (code) {
            case 0: // AuthenticationOk
                m.expectEnd();
                if (scram != null && !scram.verified()) {
                    // a server that cannot prove it knows the password must not be trusted with the session
                    throw new PgProtocolException("the server sent AuthenticationOk in the middle of SCRAM"
                            + " authentication, before proving it knows the password");
                }
                return;
            case 3: // cleartext
                m.expectEnd();
                refuseDowngrade("a cleartext password");
                Frontend.password(engine.out(), password("cleartext").toString().getBytes(StandardCharsets.UTF_8));
                break;
            case 5: { // MD5 with a 4-byte salt
                byte[] salt = m.readBytes(4);
                m.expectEnd();
                refuseDowngrade("an MD5 password");
                Frontend.password(engine.out(), Md5Password.answer(config.user(), password("md5"), salt));
                break;
            }
            case 10: { // SASL: the mechanisms the server offers
                boolean scramOffered = false;
                while (true) {
                    String mechanism = m.readCString();
                    if (mechanism.isEmpty()) {
                        break;
                    }
                    scramOffered |= mechanism.equals(ScramSha256.MECHANISM);
                }
                if (!scramOffered) {
                    throw new PgProtocolException("the server offers no SASL mechanism this client supports"
                            + " (SCRAM-SHA-256)");
                }
                scram = new ScramSha256(password("SCRAM-SHA-256"));
                Frontend.saslInitialResponse(engine.out(), ScramSha256.MECHANISM, scram.clientFirst());
                break;
            }
            case 11: // SASLContinue
                Frontend.saslResponse(engine.out(), scram().clientFinal(m.readRest()));
                break;
            case 12: // SASLFinal
                scram().verifyServerFinal(m.readRest());
                return;
            default:
                finish(new R2dbcNonTransientResourceException("the server at " + engine.hostPort
                        + " asks for authentication method " + code + ", which this client does not support"
                        + " (trust, password, md5 and scram-sha-256 are)", "28000"));
                engine.channel.close();
                return;
        }
        engine.scheduleFlush();
    }

    /**
     * Once SCRAM began, a switch to a weaker method would hand the password (or its MD5) to a server that may be an
     * impostor, which SCRAM would have caught: refused.
     */
    private void refuseDowngrade(String method) {
        if (scram != null) {
            throw new PgProtocolException("the server asked for " + method + " in the middle of SCRAM authentication");
        }
    }

    private ScramSha256 scram() {
        if (scram == null) {
            throw new PgProtocolException("SASL continuation without a SASL start");
        }
        return scram;
    }

    private CharSequence password(String method) {
        CharSequence p = config.password();
        if (p == null) {
            throw new NoPasswordException(method);
        }
        return p;
    }

    /** The server asked for a password and none is configured: fails startup without a protocol-error label. */
    static final class NoPasswordException extends R2dbcPermissionDeniedException {
        private static final long serialVersionUID = 1L;

        NoPasswordException(String method) {
            super("the server asks for a password (" + method + ") but none is configured", "28P01");
        }
    }

    private void finish(Throwable error) {
        if (!finished) {
            finished = true;
            onFailure.accept(error);
        }
    }

    @Override
    void signal() {
        if (ready) {
            onReady.run();
        }
    }

    @Override
    void fail(Throwable error) {
        finish(error);
    }
}
