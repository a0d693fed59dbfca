package io.tidepool.health.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tidepool.health.AggregateHealth;
import io.tidepool.health.HealthAggregate;
import io.tidepool.health.http.internal.HealthJson;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Function;

/**
 * An HTTP endpoint on Reactor Netty for health and metrics:
 * <ul>
 *   <li>{@code GET /health}: every pool's health in detail (JSON); 200, or 503 when the aggregate is DOWN;</li>
 *   <li>{@code GET /health/ready}: readiness (JSON); 200 unless the aggregate is DOWN, then 503;</li>
 *   <li>{@code GET /health/live}: liveness (JSON); always 200, a database outage does not make it fail;</li>
 *   <li>{@code GET /metrics}: the Prometheus registry's scrape in the text format, when one was given; else 404.</li>
 * </ul>
 * It listens on {@code 127.0.0.1} unless told otherwise, so it is not exposed beyond the host by accident. Nothing
 * it serves contains a password or a connection URL: pools are named, errors are redacted.
 *
 * <pre>{@code
 * HealthServer.Running server = HealthServer.builder(HealthAggregate.of(List.of(Entry.required(check))))
 *         .port(9090).prometheus(registry).build()
 *         .start().block();
 * ...
 * server.stop().block();
 * }</pre>
 */
public final class HealthServer {

    /** The host bound by default: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The port bound by default. */
    public static final int DEFAULT_PORT = 9464;
    /** The content type of the Prometheus text format served at {@code /metrics}. */
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final String JSON = "application/json";

    private final HealthAggregate health;
    private final String host;
    private final int port;
    private final @Nullable PrometheusMeterRegistry prometheus;
    private final Scheduler scrapeScheduler;

    private HealthServer(Builder b) {
        this.health = b.health;
        this.host = b.host;
        this.port = b.port;
        this.prometheus = b.prometheus;
        this.scrapeScheduler = b.scrapeScheduler;
    }

    /** A builder of a server reporting {@code health}. */
    public static Builder builder(HealthAggregate health) {
        return new Builder(health);
    }

    /** Binds the server; completes once it listens, with its bound address. Each subscription binds anew. */
    public Mono<Running> start() {
        return HttpServer.create()
                .host(host)
                .port(port)
                .route(routes -> routes
                        .get("/health", (request, response) -> health(response, HealthJson::full))
                        .get("/health/ready", (request, response) -> health(response, HealthJson::readiness))
                        .get("/health/live", (request, response) -> health.liveness()
                                .flatMap(status -> json(response, HttpResponseStatus.OK, HealthJson.liveness(status))))
                        .get("/metrics", (request, response) -> metrics(response)))
                .bind()
                .map(Running::new);
    }

    private Publisher<Void> health(HttpServerResponse response, Function<AggregateHealth, String> render) {
        return health.check().flatMap(h -> json(response,
                h.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, render.apply(h)));
    }

    private static Mono<Void> json(HttpServerResponse response, HttpResponseStatus status, String body) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, JSON)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Mono.just(body))
                .then();
    }

    private Publisher<Void> metrics(HttpServerResponse response) {
        PrometheusMeterRegistry registry = prometheus;
        if (registry == null) {
            return response.sendNotFound();
        }
        // a scrape walks every meter: keep it off the event loop
        return Mono.fromCallable(registry::scrape)
                .subscribeOn(scrapeScheduler)
                .flatMap(text -> response.status(HttpResponseStatus.OK)
                        .header(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)
                        .sendString(Mono.just(text))
                        .then());
    }

    /** A bound server. */
    public static final class Running {

        private final DisposableServer server;

        private Running(DisposableServer server) {
            this.server = server;
        }

        /** The host the server is bound to. */
        public String host() {
            return ((InetSocketAddress) server.address()).getHostString();
        }

        /** The port the server is bound to: the configured one, or the one the system chose for port 0. */
        public int port() {
            return server.port();
        }

        /** Stops listening and closes open connections; completes when the server is closed. Idempotent. */
        public Mono<Void> stop() {
            return Mono.defer(() -> {
                server.dispose();
                return server.onDispose();
            });
        }
    }

    /** Builds a {@link HealthServer}; not thread-safe. */
    public static final class Builder {

        private final HealthAggregate health;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private @Nullable PrometheusMeterRegistry prometheus;
        private Scheduler scrapeScheduler = Schedulers.boundedElastic();

        private Builder(HealthAggregate health) {
            this.health = Objects.requireNonNull(health, "health");
        }

        /** The host or address to bind; default {@value HealthServer#DEFAULT_HOST}. */
        public Builder host(String host) {
            if (Objects.requireNonNull(host, "host").isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host;
            return this;
        }

        /** The port to bind, 0 to 65535; 0 lets the system choose (read it from {@link Running#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The registry {@code /metrics} scrapes; without one, {@code /metrics} answers 404. */
        public Builder prometheus(PrometheusMeterRegistry prometheus) {
            this.prometheus = Objects.requireNonNull(prometheus, "prometheus");
            return this;
        }

        /** Where scrapes run; default {@link Schedulers#boundedElastic()}. */
        public Builder scrapeScheduler(Scheduler scheduler) {
            this.scrapeScheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The server, not yet bound. */
        public HealthServer build() {
            return new HealthServer(this);
        }
    }
}
