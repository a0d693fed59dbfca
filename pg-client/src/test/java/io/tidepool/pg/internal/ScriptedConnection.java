package io.tidepool.pg.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.r2dbc.spi.Result;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** An engine on an EmbeddedChannel: the test plays the server, byte by byte if it likes. */
final class ScriptedConnection {

    final EmbeddedChannel channel = new EmbeddedChannel();
    final PgEngine engine = new PgEngine(channel, "scripted:5432", 16);
    final List<ByteBuf> fed = new ArrayList<>();

    ScriptedConnection() {
        channel.pipeline().addLast(new PgDecoder(engine), engine);
    }

    CompletableFuture<List<Result>> submit(String sql) {
        CompletableFuture<List<Result>> f = exchange(sql);
        channel.runPendingTasks();
        return f;
    }

    /** A statement with one binding (the extended protocol: prepared, cached, binary results once described). */
    CompletableFuture<List<Result>> submitBound(String sql, BindValue... values) {
        CompletableFuture<List<Result>> f = exchanger().exchange(sql, List.<BindValue[]>of(values)).collectList()
                .toFuture();
        channel.runPendingTasks();
        return f;
    }

    /** Submits without running the loop's tasks, so several commands can share one flush. */
    CompletableFuture<List<Result>> exchange(String sql) {
        return exchanger().exchange(sql, null).collectList().toFuture();
    }

    /** Runs statements on this engine, as a connection does: one exchange a subscription. */
    Exchanger exchanger() {
        return (sql, bindings) -> Flux.defer(() -> {
            EventStream<Result> results = new EventStream<>(null);
            engine.submit(new Exchange(sql, bindings, results));
            return results;
        });
    }

    /** What the client wrote since the last call, as one byte array (and releases it). */
    byte[] written() {
        channel.runPendingTasks();
        ByteBuf all = channel.alloc().buffer();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out);
        all.release();
        return out;
    }

    /** Feeds bytes from a pooled (leak-tracked) buffer; keeps it to check it was released. */
    void feed(byte[] bytes, int from, int to) {
        if (!channel.isOpen()) {
            return;
        }
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(Math.max(1, to - from));
        b.writeBytes(bytes, from, to - from);
        fed.add(b);
        channel.writeInbound(b);
        channel.runPendingTasks();
    }

    void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    void close() {
        channel.finishAndReleaseAll();
    }
}
