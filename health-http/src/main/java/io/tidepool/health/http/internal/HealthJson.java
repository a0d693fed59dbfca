package io.tidepool.health.http.internal;

import io.tidepool.health.AggregateHealth;
import io.tidepool.health.HealthStatus;
import io.tidepool.health.PoolHealth;
import io.tidepool.health.internal.Redact;

import java.time.Duration;
import java.util.Locale;

/** Renders health reports as JSON for the HTTP endpoint. Only names, figures and redacted messages: no URL. */
public final class HealthJson {

    private HealthJson() {
    }

    /** The full report: the aggregate status and every pool's details. */
    public static String full(AggregateHealth health) {
        Json json = new Json().beginObject()
                .field("status", health.status().name())
                .field("ready", health.ready())
                .field("checkedAt", health.checkedAt().toString())
                .beginArray("pools");
        for (AggregateHealth.Member member : health.members()) {
            pool(json.beginObject(), member);
            json.endObject();
        }
        return json.endArray().endObject().toString();
    }

    /** The readiness report: the aggregate status and each pool's status only. */
    public static String readiness(AggregateHealth health) {
        Json json = new Json().beginObject()
                .field("status", health.status().name())
                .field("ready", health.ready())
                .beginArray("pools");
        for (AggregateHealth.Member member : health.members()) {
            json.beginObject()
                    .field("name", member.health().pool())
                    .field("required", member.required())
                    .field("status", member.health().status().name())
                    .endObject();
        }
        return json.endArray().endObject().toString();
    }

    /** The liveness report. */
    public static String liveness(HealthStatus status) {
        return new Json().beginObject().field("status", status.name()).endObject().toString();
    }

    private static void pool(Json json, AggregateHealth.Member member) {
        PoolHealth h = member.health();
        json.field("name", h.pool())
                .field("required", member.required())
                .field("status", h.status().name())
                .beginArray("reasons");
        h.reasons().forEach(r -> json.value(r.code()));
        json.endArray().field("state", h.state().name());

        PoolHealth.Probe probe = h.probe();
        json.beginObject("probe")
                .field("outcome", probe.outcome().name().toLowerCase(Locale.ROOT))
                .field("millis", millis(probe.took()));
        probe.category().ifPresent(c -> json.field("category", c.tagValue()));
        probe.error().ifPresent(e -> json.field("error", Redact.message(e)));
        json.endObject();

        PoolHealth.Saturation s = h.saturation();
        json.beginObject("connections")
                .field("used", s.inUse())
                .field("idle", s.idle())
                .field("max", s.max())
                .field("pending", s.pending())
                .field("utilization", s.utilization())
                .endObject()
                .beginObject("window")
                .field("seconds", s.window().toSeconds())
                .field("acquires", s.acquires())
                .field("timeouts", s.timeouts())
                .field("p99WaitMillis", millis(s.p99Wait()))
                .endObject();

        h.server().ifPresent(server -> json.beginObject("server")
                .field("backends", server.backends())
                .field("maxConnections", server.maxConnections())
                .field("headroom", server.headroom())
                .field("utilization", server.utilization())
                .field("poolShare", h.serverShare().orElse(0.0))
                .endObject());
        h.replica().ifPresent(replica -> {
            json.beginObject("replica");
            replica.lag().ifPresent(lag -> json.field("lagMillis", lag.toMillis()));
            json.field("maxLagMillis", replica.maxLag().toMillis())
                    .field("inRotation", replica.inRotation())
                    .field("inRecovery", replica.inRecovery());
            replica.error().ifPresent(error -> json.field("error", Redact.message(error)));
            json.endObject();
        });
        h.lane().ifPresent(lane -> {
            json.beginObject("lane")
                    .field("connections", lane.connections())
                    .field("inFlight", lane.totalInFlight())
                    .field("mostInFlight", lane.mostInFlight())
                    .field("waiting", lane.waiting())
                    .field("pinned", lane.pinned())
                    .field("pins", lane.pins())
                    .beginArray("inFlightPerConnection");
            lane.inFlight().forEach(n -> json.value((long) n));
            json.endArray().endObject();
        });
        json.field("leaks", h.leaks());
        h.lastError().ifPresent(e -> json.beginObject("lastError")
                .field("category", e.category().tagValue())
                .field("message", Redact.message(e.message()))
                .field("at", e.at().toString())
                .endObject());
        json.field("checkedAt", h.checkedAt().toString());
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1_000_000.0;
    }
}
