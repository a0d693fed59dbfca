package io.tidepool.pg;

import java.util.Objects;

/**
 * One server address of a {@link PgConnectionConfiguration}: a host name or IP address and a TCP port.
 *
 * @param name the host name or IP address (an IPv6 address without brackets), not blank
 * @param port the TCP port, 1 to 65535
 * @since 0.1.0
 */
public record PgHost(String name, int port) {

    /**
     * Checks both parts.
     *
     * @throws IllegalArgumentException naming the part and quoting its value when it is blank or out of range
     */
    public PgHost {
        Objects.requireNonNull(name, "host must not be null");
        if (name.isBlank()) {
            throw new IllegalArgumentException("host must not be blank, was '" + name + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
        }
    }

    /**
     * Reads one element of a host list: {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}; a missing
     * port is {@code defaultPort}.
     *
     * @throws IllegalArgumentException naming the element when it is malformed
     */
    public static PgHost parse(String element, int defaultPort) {
        String text = element.trim();
        String name = text;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || (close + 1 < text.length() && text.charAt(close + 1) != ':')) {
                throw new IllegalArgumentException("host must be host, host:port, [v6] or [v6]:port, was '" + element
                        + "'");
            }
            name = text.substring(1, close);
            port = close + 1 < text.length() ? text.substring(close + 2) : null;
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            name = text.substring(0, text.indexOf(':'));
            port = text.substring(text.indexOf(':') + 1);
        }
        if (port == null) {
            return new PgHost(name, defaultPort);
        }
        try {
            return new PgHost(name, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port must be between 1 and 65535, was '" + port + "' in '" + element
                    + "'");
        }
    }

    /** {@code name:port}, brackets around an IPv6 address. */
    @Override
    public String toString() {
        return (name.indexOf(':') >= 0 ? "[" + name + "]" : name) + ":" + port;
    }
}
