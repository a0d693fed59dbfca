package io.tidepool.pg;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * How a connection's TCP socket notices a dead peer: keepalive probes on an idle socket (on by default, at the host's
 * timing unless set here) and {@code TCP_USER_TIMEOUT}, the longest data sent may stay unacknowledged before the
 * kernel fails the socket (disabled by default, as libpq's {@code tcp_user_timeout}). A server busy with a long
 * statement still acknowledges what it is sent, so neither setting ends a slow statement; both end a blackholed one.
 *
 * <p>The per-socket keepalive timing and {@code TCP_USER_TIMEOUT} are Linux socket options: the keepalive timing is
 * applied on epoll and on NIO (where the JDK supports it), {@code TCP_USER_TIMEOUT} on the epoll transport only
 * ({@code netty-transport-native-epoll} on the class path). Where a setting cannot be applied, the connection opens
 * without it and one WARN names the setting.
 *
 * @since 0.1.0
 */
public final class TcpSettings {

    /** The largest keepalive idle time and interval Linux accepts: 32767 s. */
    public static final Duration MAX_KEEPALIVE_TIME = Duration.ofSeconds(32767);
    /** The largest keepalive probe count Linux accepts: {@value}. */
    public static final int MAX_KEEPALIVE_COUNT = 127;

    private static final TcpSettings DEFAULTS = builder().build();

    private final boolean keepAlive;
    private final @Nullable Duration keepAliveIdle;
    private final @Nullable Duration keepAliveInterval;
    private final int keepAliveCount;
    private final @Nullable Duration userTimeout;

    private TcpSettings(Builder b) {
        this.keepAlive = b.keepAlive;
        this.keepAliveIdle = b.keepAliveIdle;
        this.keepAliveInterval = b.keepAliveInterval;
        this.keepAliveCount = b.keepAliveCount;
        this.userTimeout = b.userTimeout;
    }

    /** A builder with the defaults: keepalive on at the host's timing, {@code TCP_USER_TIMEOUT} disabled. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static TcpSettings defaults() {
        return DEFAULTS;
    }

    /** Whether the socket sends keepalive probes when idle ({@code SO_KEEPALIVE}). */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** Idle time before the first keepalive probe ({@code TCP_KEEPIDLE}); {@code null}: the host's. */
    public @Nullable Duration keepAliveIdle() {
        return keepAliveIdle;
    }

    /** Time between keepalive probes ({@code TCP_KEEPINTVL}); {@code null}: the host's. */
    public @Nullable Duration keepAliveInterval() {
        return keepAliveInterval;
    }

    /** Unanswered probes before the socket is failed ({@code TCP_KEEPCNT}); {@code 0}: the host's. */
    public int keepAliveCount() {
        return keepAliveCount;
    }

    /**
     * How long sent data may stay unacknowledged before the kernel fails the socket ({@code TCP_USER_TIMEOUT});
     * {@code null}: disabled (the kernel's retransmission limit, about 15 minutes with Linux's defaults).
     */
    public @Nullable Duration userTimeout() {
        return userTimeout;
    }

    @Override
    public String toString() {
        return "TcpSettings{keepAlive=" + keepAlive + ", keepAliveIdle=" + orHost(keepAliveIdle)
                + ", keepAliveInterval=" + orHost(keepAliveInterval) + ", keepAliveCount="
                + (keepAliveCount == 0 ? "host" : keepAliveCount) + ", userTimeout="
                + (userTimeout == null ? "disabled" : userTimeout) + "}";
    }

    private static String orHost(@Nullable Duration d) {
        return d == null ? "host" : d.toString();
    }

    /** Reads the {@code tcp*} R2DBC options (typed, or strings as a URL gives them) into {@code b}. */
    static void readInto(Builder b, ConnectionFactoryOptions options) {
        Object keepAlive = options.getValue(Option.valueOf("tcpKeepAlive"));
        if (keepAlive != null) {
            b.keepAlive(PgConnectionConfiguration.bool("tcpKeepAlive", keepAlive));
        }
        Object idle = options.getValue(Option.valueOf("tcpKeepAliveIdle"));
        if (idle != null) {
            b.keepAliveIdle(PgConnectionConfiguration.duration("tcpKeepAliveIdle", idle));
        }
        Object interval = options.getValue(Option.valueOf("tcpKeepAliveInterval"));
        if (interval != null) {
            b.keepAliveInterval(PgConnectionConfiguration.duration("tcpKeepAliveInterval", interval));
        }
        Object count = options.getValue(Option.valueOf("tcpKeepAliveCount"));
        if (count != null) {
            b.keepAliveCount(PgConnectionConfiguration.integer("tcpKeepAliveCount", count));
        }
        Object userTimeout = options.getValue(Option.valueOf("tcpUserTimeout"));
        if (userTimeout != null) {
            if ("disabled".equalsIgnoreCase(userTimeout.toString().trim())) {
                b.userTimeoutDisabled();
            } else {
                b.userTimeout(PgConnectionConfiguration.duration("tcpUserTimeout", userTimeout));
            }
        }
    }

    /**
     * Builds {@link TcpSettings}; each setter rejects a bad value at once with an {@link IllegalArgumentException}
     * that names the setting (as its URL option, {@code tcp...}) and quotes the value.
     */
    public static final class Builder {

        private boolean keepAlive = true;
        private @Nullable Duration keepAliveIdle;
        private @Nullable Duration keepAliveInterval;
        private int keepAliveCount;
        private @Nullable Duration userTimeout;

        private Builder() {
        }

        /** Keepalive probes on an idle socket; default on. Off together with a keepalive timing is refused. */
        public Builder keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        /** Idle time before the first probe: whole seconds, 1 s to 32767 s; default the host's. */
        public Builder keepAliveIdle(Duration idle) {
            this.keepAliveIdle = keepAliveTime("tcpKeepAliveIdle", idle);
            return this;
        }

        /** Time between probes: whole seconds, 1 s to 32767 s; default the host's. */
        public Builder keepAliveInterval(Duration interval) {
            this.keepAliveInterval = keepAliveTime("tcpKeepAliveInterval", interval);
            return this;
        }

        /** Unanswered probes before the socket fails: 1 to 127; default the host's. */
        public Builder keepAliveCount(int count) {
            if (count < 1 || count > MAX_KEEPALIVE_COUNT) {
                throw new IllegalArgumentException("tcpKeepAliveCount must be between 1 and " + MAX_KEEPALIVE_COUNT
                        + ", was " + count);
            }
            this.keepAliveCount = count;
            return this;
        }

        /**
         * The longest sent data may stay unacknowledged ({@code TCP_USER_TIMEOUT}): whole milliseconds, 1 ms to
         * {@link Integer#MAX_VALUE} ms. Pick it above the worst round trip plus a few retransmissions, for example
         * 30 s; it also bounds how long keepalive probes may go unanswered.
         */
        public Builder userTimeout(Duration userTimeout) {
            Objects.requireNonNull(userTimeout, "tcpUserTimeout must not be null");
            if (userTimeout.isNegative() || userTimeout.isZero()
                    || userTimeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0
                    || userTimeout.toNanos() % 1_000_000 != 0) {
                throw new IllegalArgumentException("tcpUserTimeout must be whole milliseconds between 1 ms and "
                        + Integer.MAX_VALUE + " ms, was " + userTimeout);
            }
            this.userTimeout = userTimeout;
            return this;
        }

        /** No {@code TCP_USER_TIMEOUT}: the kernel's retransmission limit applies. The default. */
        public Builder userTimeoutDisabled() {
            this.userTimeout = null;
            return this;
        }

        private static Duration keepAliveTime(String name, Duration value) {
            Objects.requireNonNull(value, name + " must not be null");
            if (value.compareTo(Duration.ofSeconds(1)) < 0 || value.compareTo(MAX_KEEPALIVE_TIME) > 0
                    || value.getNano() != 0) {
                throw new IllegalArgumentException(name + " must be whole seconds between 1 s and "
                        + MAX_KEEPALIVE_TIME.getSeconds() + " s, was " + value);
            }
            return value;
        }

        /**
         * The settings.
         *
         * @throws IllegalStateException when a keepalive timing is set with keepalive off
         */
        public TcpSettings build() {
            if (!keepAlive && (keepAliveIdle != null || keepAliveInterval != null || keepAliveCount != 0)) {
                throw new IllegalStateException("tcpKeepAliveIdle, tcpKeepAliveInterval and tcpKeepAliveCount need"
                        + " tcpKeepAlive=true, was false");
            }
            return new TcpSettings(this);
        }
    }
}
