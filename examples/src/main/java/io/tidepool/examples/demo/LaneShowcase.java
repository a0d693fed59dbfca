package io.tidepool.examples.demo;

import io.r2dbc.spi.Result;
import io.tidepool.ProtocolClient;
import io.tidepool.TidepoolPool;
import io.tidepool.stats.PoolStats;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.function.ToIntFunction;

/**
 * The demo's last act: the same load on a pool of 10 connections and on the multiplexed lane's 2, side by side, with
 * what the server saw of each (seed 002: a server connection limit shared by many pools).
 */
final class LaneShowcase {

    private static final int REQUESTS = 5000;
    private static final int IN_FLIGHT = 64;
    private static final String QUERY = "SELECT count(*) FROM pg_class WHERE relpages >= $1";

    private LaneShowcase() {
    }

    /** Runs both; answers whether both pools closed with nothing left open, here and on the server. */
    static boolean run(String url, ToIntFunction<String> backends) {
        System.out.println("\n>>> The multiplexed lane (seed 002): " + REQUESTS + " requests, " + IN_FLIGHT
                + " in flight, on 10 pooled connections and on a lane of 2");
        TidepoolPool pooled = TidepoolPool.builder().url(url).name("demo-pooled").client(ProtocolClient.NATIVE)
                .maxSize(10).buildPool();
        TidepoolPool lane = TidepoolPool.builder().url(url).name("demo-lane").client(ProtocolClient.NATIVE)
                .multiplex(true).multiplexConnections(2).multiplexMaxConnections(2).maxSize(2).buildPool();
        boolean clean = true;
        for (TidepoolPool pool : new TidepoolPool[] {pooled, lane}) {
            pool.start().block(Duration.ofSeconds(30));
            load(pool, 500);
            long started = System.nanoTime();
            long answered = load(pool, REQUESTS);
            double seconds = (System.nanoTime() - started) / 1e9;
            int server = backends.applyAsInt(pool.name());
            System.out.printf("    %-12s %6.0f requests/s, %d answered, server connections: %s%n", pool.name(),
                    answered / seconds, answered, server < 0 ? "unknown (external server)" : String.valueOf(server));
            pool.close().block(Duration.ofSeconds(30));
            PoolStats stats = pool.stats();
            int left = backends.applyAsInt(pool.name());
            clean &= stats.acquired() == 0 && stats.allocated() == 0 && stats.creates() == stats.destroys()
                    && stats.lane().connections() == 0 && left <= 0;
        }
        return clean;
    }

    private static long load(TidepoolPool pool, int requests) {
        Long answered = Flux.range(0, requests)
                .flatMap(i -> pool.withConnection(c -> Flux.from(c.createStatement(QUERY).bind(0, i % 4).execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0)))), IN_FLIGHT)
                .count()
                .block(Duration.ofSeconds(60));
        return answered == null ? 0 : answered;
    }
}
