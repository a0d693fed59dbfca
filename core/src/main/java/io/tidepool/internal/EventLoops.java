package io.tidepool.internal;

import reactor.netty.resources.LoopResources;

/**
 * The event loops r2dbc-postgresql's connections run on, shared by every pool of the JVM: one per core (native epoll
 * where Netty has it), and no colocation. reactor-netty's default colocates a connection opened from an event loop
 * on that same loop, so a pool whose connections open one after another (a warm-up, a refill, lazy creation under
 * load) put them all on one loop: one core of driver work at most, the other cores idle.
 */
final class EventLoops {

    // one per core, not reactor-netty's default of at least 4: on 2 cores, 4 loops steal each other's released
    // connections in reactor-pool's drain loop and write to them across threads (a task and a wake-up each)
    private static final LoopResources SHARED = LoopResources.create("tidepool", 1,
            Math.max(1, Runtime.getRuntime().availableProcessors()), true, false);

    private EventLoops() {
    }

    /** Daemon threads, never disposed: like reactor-netty's own global resources, they live as long as the JVM. */
    static LoopResources shared() {
        return SHARED;
    }
}
