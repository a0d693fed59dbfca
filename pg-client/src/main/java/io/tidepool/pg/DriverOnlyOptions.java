package io.tidepool.pg;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The options of r2dbc-postgresql that ask for a feature the native client does not have: one given with a value that
 * needs the feature is refused when the configuration is made, naming the feature, the option and
 * {@code client=r2dbc-postgresql}. Silently ignored, {@code sslCert} would connect without the client certificate,
 * {@code socket} over TCP, {@code channelBinding=require} without channel binding.
 *
 * <p>The options r2dbc-postgresql reads that change nothing here are accepted and left alone (see docs/pg-client.md):
 * {@code fetchSize} (rows stream with socket backpressure), {@code forceBinary}, {@code preferAttachedBuffers},
 * {@code compatibilityMode}, {@code autodetectExtensions}, {@code errorResponseLogLevel}, {@code noticeLogLevel},
 * {@code loopResources}, {@code sslSni} and {@code tcpNoDelay=true}.
 */
final class DriverOnlyOptions {

    /**
     * One option and the feature it asks for; {@code withoutIt} is true for the values that ask for nothing more
     * than the native client does; {@code hideValue} keeps the value out of the message (a secret, or an object
     * with no useful text).
     */
    private record Refusal(String option, String feature, Predicate<Object> withoutIt, boolean hideValue) {
    }

    private static final Predicate<Object> NEVER = value -> false;

    private static final List<Refusal> REFUSALS = List.of(
            new Refusal("socket", "Unix-domain sockets", NEVER, false),
            new Refusal("sslCert", "TLS client certificates", NEVER, false),
            new Refusal("sslKey", "TLS client certificates", NEVER, false),
            new Refusal("sslPassword", "TLS client certificates", NEVER, true),
            new Refusal("sslContextBuilderCustomizer", "a customised TLS context", NEVER, true),
            new Refusal("sslHostnameVerifier", "a custom TLS host name verifier", NEVER, true),
            new Refusal("sslNegotiation", "direct TLS negotiation", value -> named(value, "postgres"), false),
            new Refusal("sslnegotiation", "direct TLS negotiation", value -> named(value, "postgres"), false),
            new Refusal("channelBinding", "SCRAM channel binding", value -> !named(value, "require"), false),
            new Refusal("channel_binding", "SCRAM channel binding", value -> !named(value, "require"), false),
            new Refusal("extensions", "driver extensions (codecs of other types)",
                    value -> value instanceof Collection<?> none && none.isEmpty(), true),
            new Refusal("tcpNoDelay", "Nagle's algorithm (tcpNoDelay=false)", value -> !named(value, "false"), false));

    private DriverOnlyOptions() {
    }

    /** Refuses the first option of {@code options} that asks for a feature the native client does not have. */
    static void refuseUnsupported(ConnectionFactoryOptions options) {
        for (Refusal refusal : REFUSALS) {
            Object value = options.getValue(Option.valueOf(refusal.option()));
            if (value != null && !refusal.withoutIt().test(value)) {
                throw new IllegalArgumentException(refusal.feature() + " (option " + refusal.option()
                        + (refusal.hideValue() ? "" : "=" + value) + ") is not supported by the native client; use "
                        + "client=r2dbc-postgresql for it");
            }
        }
    }

    /** Whether {@code value}, as the URL gives it or typed (an enum, a Boolean), is {@code name}. */
    private static boolean named(Object value, String name) {
        return value.toString().trim().toLowerCase(Locale.ROOT).equals(name);
    }
}
