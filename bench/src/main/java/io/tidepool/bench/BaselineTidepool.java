package io.tidepool.bench;

import io.r2dbc.spi.Connection;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Another build of Tidepool's core (a {@code tidepool-core} jar, say the one before a change), run as one more
 * contender in the same run: its {@code io.tidepool} classes come from that jar, everything else (reactor, the
 * driver, R2DBC) is shared with this one. Interleaved with the current build, it shows a change's effect under the
 * same conditions, which two separate runs on a busy machine do not.
 */
final class BaselineTidepool {

    private BaselineTidepool() {
    }

    /**
     * Loads {@code io.tidepool} classes (not the bench's) from the jar first, everything else, and what the jar does
     * not hold, from the parent.
     */
    private static final class ChildFirst extends URLClassLoader {

        ChildFirst(URL jar, ClassLoader parent) {
            super(new URL[] {jar}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.tidepool.") || name.startsWith("io.tidepool.bench.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException notInTheJar) {
                        // another module's (pg-client's, say): shared, as the driver is
                        return super.loadClass(name, resolve);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    /** The pool's operations, bound to one instance of the other build's pool. */
    private record Bound(MethodHandle withConnectionHandle, MethodHandle inTransactionHandle, MethodHandle startHandle,
                         MethodHandle closeHandle, MethodHandle statsHandle, MethodHandle discardsHandle,
                         MethodHandle acquiredHandle)
            implements Contender.Pool {

        @Override
        public Flux<?> withConnection(Function<Connection, Publisher<?>> work) {
            return (Flux<?>) call(() -> withConnectionHandle.invoke(work));
        }

        @Override
        public Flux<?> inTransaction(Function<Connection, Publisher<?>> work) {
            return (Flux<?>) call(() -> inTransactionHandle.invoke(work));
        }

        @Override
        public Mono<?> start() {
            return (Mono<?>) call(startHandle::invoke);
        }

        @Override
        public Mono<?> close() {
            return (Mono<?>) call(closeHandle::invoke);
        }

        @Override
        public long discards() {
            return (long) call(() -> discardsHandle.invoke(statsHandle.invoke()));
        }

        @Override
        public long acquired() {
            return (int) call(() -> acquiredHandle.invoke(statsHandle.invoke()));
        }
    }

    /** A call through a method handle, which may throw anything. */
    private interface Call {
        Object run() throws Throwable;
    }

    private static Object call(Call call) {
        try {
            return call.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** A pool of the build in {@code coreJar}, with the same settings as {@link Contender#tidepool}. */
    static Contender.Pool open(Path coreJar, String url, String name, int size) {
        return open(coreJar, "url", String.class, url, name, size, size);
    }

    /** A pool of the build in {@code coreJar} on {@code factory}, with its defaults but the size. */
    static Contender.Pool open(Path coreJar, io.r2dbc.spi.ConnectionFactory factory, String name, int size) {
        return open(coreJar, "connectionFactory", io.r2dbc.spi.ConnectionFactory.class, factory, name, size, 0);
    }

    private static Contender.Pool open(Path coreJar, String sourceOption, Class<?> sourceType, Object source,
                                       String name, int size, int initialSize) {
        try {
            ClassLoader loader = new ChildFirst(coreJar.toUri().toURL(), BaselineTidepool.class.getClassLoader());
            Class<?> api = loader.loadClass("io.tidepool.TidepoolPool");
            Class<?> builderType = loader.loadClass("io.tidepool.PoolConfiguration$Builder");
            Class<?> statsType = loader.loadClass("io.tidepool.stats.PoolStats");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Object builder = lookup.findStatic(api, "builder", MethodType.methodType(builderType)).invoke();
            builder = lookup.findVirtual(builderType, sourceOption, MethodType.methodType(builderType, sourceType))
                    .invoke(builder, source);
            builder = lookup.findVirtual(builderType, "name", MethodType.methodType(builderType, String.class))
                    .invoke(builder, name);
            builder = lookup.findVirtual(builderType, "maxSize", MethodType.methodType(builderType, int.class))
                    .invoke(builder, size);
            builder = lookup.findVirtual(builderType, "initialSize", MethodType.methodType(builderType, int.class))
                    .invoke(builder, initialSize);
            Object pool = lookup.findVirtual(builderType, "buildPool", MethodType.methodType(api)).invoke(builder);
            MethodType work = MethodType.methodType(Flux.class, Function.class);
            return new Bound(lookup.findVirtual(api, "withConnection", work).bindTo(pool),
                    lookup.findVirtual(api, "inTransaction", work).bindTo(pool),
                    lookup.findVirtual(api, "start", MethodType.methodType(Mono.class)).bindTo(pool),
                    lookup.findVirtual(api, "close", MethodType.methodType(Mono.class)).bindTo(pool),
                    lookup.findVirtual(api, "stats", MethodType.methodType(statsType)).bindTo(pool),
                    lookup.findVirtual(statsType, "discards", MethodType.methodType(long.class)),
                    lookup.findVirtual(statsType, "acquired", MethodType.methodType(int.class)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot load Tidepool from " + coreJar, e);
        }
    }
}
