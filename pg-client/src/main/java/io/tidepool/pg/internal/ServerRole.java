package io.tidepool.pg.internal;

import io.tidepool.pg.PgSession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Map;

/**
 * Whether the server behind a new connection is read-only (a hot standby, or a primary whose
 * {@code default_transaction_read_only} is on), checked, never assumed from the host's place in the list.
 *
 * <p>PostgreSQL 14 and later report both {@code in_hot_standby} and {@code default_transaction_read_only} in the
 * startup's ParameterStatus messages (and again when they change): when both are there, they decide, with no round
 * trip. Otherwise (an older server, or a pooler that does not pass them on) the connection asks
 * {@code SHOW transaction_read_only}, as r2dbc-postgresql does. Both read the same thing: a new session's
 * {@code transaction_read_only} is {@code default_transaction_read_only} or recovery.
 */
final class ServerRole {

    static final String IN_HOT_STANDBY = "in_hot_standby";
    static final String DEFAULT_READ_ONLY = "default_transaction_read_only";

    private ServerRole() {
    }

    /** {@code true} when the session is read-only; the query, if one is needed, within {@code within}. */
    static Mono<Boolean> readOnly(PgSession session, Duration within) {
        Map<String, String> reported = session.serverParameters();
        String hotStandby = reported.get(IN_HOT_STANDBY);
        String readOnlyDefault = reported.get(DEFAULT_READ_ONLY);
        if (hotStandby != null && readOnlyDefault != null) {
            return Mono.just(isOn(hotStandby) || isOn(readOnlyDefault));
        }
        return Flux.from(session.createStatement("SHOW transaction_read_only").execute())
                .flatMap(result -> result.map((row, meta) -> String.valueOf(row.get(0, String.class))))
                .last()
                .map(ServerRole::isOn)
                .timeout(within);
    }

    /** A boolean server setting as reported: {@code on} (also {@code true}, {@code yes}, {@code 1}). */
    static boolean isOn(String value) {
        switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on": case "true": case "yes": case "1":
                return true;
            default:
                return false;
        }
    }
}
