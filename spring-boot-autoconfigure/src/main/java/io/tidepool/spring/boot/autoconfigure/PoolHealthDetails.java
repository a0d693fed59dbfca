package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.health.AggregateHealth;
import io.tidepool.health.PoolHealth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The details of one pool's health as the health endpoint shows them, whichever Spring Boot's health types carry
 * them: names and figures only, no URL, no password.
 */
final class PoolHealthDetails {

    private PoolHealthDetails() {
    }

    static Map<String, Object> of(AggregateHealth.Member member) {
        PoolHealth h = member.health();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("status", h.status().name());
        details.put("required", member.required());
        details.put("reasons", h.reasons().stream().map(PoolHealth.Reason::code).toList());
        details.put("probe", h.probe().outcome().name().toLowerCase(java.util.Locale.ROOT));
        details.put("used", h.saturation().inUse());
        details.put("idle", h.saturation().idle());
        details.put("max", h.saturation().max());
        details.put("pending", h.saturation().pending());
        details.put("acquireTimeouts", h.saturation().timeouts());
        details.put("p99WaitMillis", h.saturation().p99Wait().toMillis());
        h.server().ifPresent(s -> {
            details.put("serverBackends", s.backends());
            details.put("serverMaxConnections", s.maxConnections());
            details.put("serverHeadroom", s.headroom());
            h.serverShare().ifPresent(share -> details.put("serverPoolShare", share));
        });
        h.replica().ifPresent(r -> {
            r.lag().ifPresent(lag -> details.put("replicaLagMillis", lag.toMillis()));
            details.put("replicaInRotation", r.inRotation());
        });
        h.lane().ifPresent(lane -> {
            details.put("laneConnections", lane.connections());
            details.put("laneInFlight", lane.inFlight());
            details.put("laneWaiting", lane.waiting());
            details.put("lanePinned", lane.pinned());
        });
        h.lastError().ifPresent(e -> details.put("lastErrorCategory", e.category().tagValue()));
        return details;
    }
}
