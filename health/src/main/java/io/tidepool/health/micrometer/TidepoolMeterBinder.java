package io.tidepool.health.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tidepool.TidepoolPool;
import io.tidepool.health.ErrorKind;
import io.tidepool.health.PoolHealthCheck;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a pool's meters ({@link TidepoolMeters}) to Micrometer registries; {@link #close()} removes them.
 *
 * <pre>{@code
 * TidepoolMeterBinder meters = TidepoolMeterBinder.of(pool);
 * meters.bindTo(registry);
 * ...
 * meters.close();           // before or after closing the pool
 * }</pre>
 *
 * <p>Gauges and the timeout, validation-failure and discard counters read {@link TidepoolPool#stats()} when the
 * registry publishes, so they are exact and count from the pool's start even when bound later. Timers and the error
 * counter are fed by a {@link io.tidepool.PoolListener}, added to the pool at the first {@link #bindTo} and removed by
 * {@link #close()}: they count from the first bind.
 *
 * <p>The three timers publish a percentile histogram by default (buckets from 1 ms to 30 s), so that percentiles can
 * be computed across instances (Prometheus {@code histogram_quantile}); {@link Builder#percentileHistogram(boolean)}
 * turns it off.
 *
 * <p>With {@link Builder#serverFrom(PoolHealthCheck)}, the pool's share of the server's {@code max_connections} and the
 * server's headroom are published too, from that check's latest reading.
 */
public final class TidepoolMeterBinder implements MeterBinder, AutoCloseable {

    private static final Duration HISTOGRAM_MIN = Duration.ofMillis(1);
    private static final Duration HISTOGRAM_MAX = Duration.ofSeconds(30);

    private final TidepoolPool pool;
    private final Tags tags;
    private final boolean percentileHistogram;
    private final @Nullable PoolHealthCheck server;
    private final List<Bound> bound = new CopyOnWriteArrayList<>();
    private final MeterEvents events;
    private @Nullable Disposable listening;
    private boolean closed;

    private TidepoolMeterBinder(Builder b) {
        this.pool = b.pool;
        this.tags = Tags.of(TidepoolMeters.POOL_NAME, pool.name()).and(b.tags);
        this.percentileHistogram = b.percentileHistogram;
        this.server = b.server;
        this.events = new MeterEvents(bound, pool.configuration().errorClassifier());
    }

    /** A binder for {@code pool} with default options. */
    public static TidepoolMeterBinder of(TidepoolPool pool) {
        return builder(pool).build();
    }

    /** A builder for a binder of {@code pool}. */
    public static Builder builder(TidepoolPool pool) {
        return new Builder(pool);
    }

    /**
     * Registers the pool's meters in {@code registry}. Binding to several registries publishes to each.
     *
     * @throws IllegalStateException if this binder is closed, or if another binder already registered meters with
     *                               the same tags in {@code registry} (two pools with one name: Micrometer would hand
     *                               this pool the other's meters, and closing either would remove both)
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (closed) {
            throw new IllegalStateException("binder of pool '" + pool.name() + "' is closed");
        }
        boolean ours = bound.stream().anyMatch(b -> b.registry() == registry);
        if (!ours && registry.find(TidepoolMeters.MAX.meterName()).tags(tags).gauge() != null) {
            throw new IllegalStateException("pool '" + pool.name() + "': another pool's meters with the same name "
                    + "and tags " + tags + " are already registered; give each pool its own name "
                    + "(PoolConfiguration.Builder.name) or the binder distinct tags");
        }
        List<Meter> meters = new ArrayList<>();
        gauge(meters, registry, TidepoolMeters.CONNECTION_COUNT, Tags.of(TidepoolMeters.STATE, "idle"),
                p -> p.stats().idle());
        gauge(meters, registry, TidepoolMeters.CONNECTION_COUNT, Tags.of(TidepoolMeters.STATE, "used"),
                p -> p.stats().acquired());
        gauge(meters, registry, TidepoolMeters.IDLE_MAX, Tags.empty(), p -> p.configuration().maxSize());
        gauge(meters, registry, TidepoolMeters.IDLE_MIN, Tags.empty(), p -> p.configuration().minIdle());
        gauge(meters, registry, TidepoolMeters.MAX, Tags.empty(), p -> p.configuration().maxSize());
        gauge(meters, registry, TidepoolMeters.PENDING_REQUESTS, Tags.empty(), p -> p.stats().pending());
        PoolHealthCheck check = server;
        if (check != null) {
            gauge(meters, registry, TidepoolMeters.SERVER_SHARE, Tags.empty(), p -> check.lastServerHeadroom()
                    .flatMap(s -> s.shareOf(p.configuration().maxServerConnections())).orElse(Double.NaN));
            gauge(meters, registry, TidepoolMeters.SERVER_HEADROOM, Tags.empty(), p -> check.lastServerHeadroom()
                    .map(s -> (double) s.headroom()).orElse(Double.NaN));
        }
        counter(meters, registry, TidepoolMeters.TIMEOUTS, p -> p.stats().timeouts());
        counter(meters, registry, TidepoolMeters.VALIDATION_FAILURES, p -> p.stats().validationFailures());
        counter(meters, registry, TidepoolMeters.DISCARDS, p -> p.stats().discards());
        counter(meters, registry, TidepoolMeters.LEAKS, p -> p.stats().leaks());
        if (pool.configuration().multiplexed()) {
            gauge(meters, registry, TidepoolMeters.LANE_CONNECTIONS, Tags.empty(), p -> p.stats().lane().connections());
            gauge(meters, registry, TidepoolMeters.LANE_IN_FLIGHT, Tags.empty(), p -> p.stats().lane().totalInFlight());
            gauge(meters, registry, TidepoolMeters.LANE_IN_FLIGHT_MAX, Tags.empty(),
                    p -> p.stats().lane().mostInFlight());
            gauge(meters, registry, TidepoolMeters.LANE_WAITING, Tags.empty(), p -> p.stats().lane().waiting());
            gauge(meters, registry, TidepoolMeters.LANE_PINNED, Tags.empty(), p -> p.stats().lane().pinned());
            counter(meters, registry, TidepoolMeters.LANE_PINS, p -> p.stats().lane().pins());
        }
        Timer create = timer(meters, registry, TidepoolMeters.CREATE_TIME);
        Timer wait = timer(meters, registry, TidepoolMeters.WAIT_TIME);
        Timer use = timer(meters, registry, TidepoolMeters.USE_TIME);
        Map<ErrorKind, Counter> errors = new EnumMap<>(ErrorKind.class);
        for (ErrorKind category : ErrorKind.values()) {
            Counter counter = Counter.builder(TidepoolMeters.ERRORS.meterName())
                    .description(TidepoolMeters.ERRORS.description())
                    .baseUnit(TidepoolMeters.ERRORS.baseUnit())
                    .tags(tags).tag(TidepoolMeters.CATEGORY, category.tagValue())
                    .register(registry);
            meters.add(counter);
            errors.put(category, counter);
        }
        bound.add(new Bound(registry, List.copyOf(meters), create, wait, use, errors));
        if (listening == null) {
            listening = pool.addListener(events);
        }
    }

    /** Removes this binder's listener from the pool and its meters from every registry. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        Disposable l = listening;
        if (l != null) {
            l.dispose();
        }
        for (Bound b : bound) {
            b.meters().forEach(b.registry()::remove);
        }
        bound.clear();
    }

    private void gauge(List<Meter> meters, MeterRegistry registry, TidepoolMeters meter, Tags extra,
                       ToDoubleFunction<TidepoolPool> value) {
        meters.add(Gauge.builder(meter.meterName(), pool, value)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags).tags(extra)
                .register(registry));
    }

    private void counter(List<Meter> meters, MeterRegistry registry, TidepoolMeters meter,
                         ToDoubleFunction<TidepoolPool> value) {
        meters.add(FunctionCounter.builder(meter.meterName(), pool, value)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags)
                .register(registry));
    }

    private Timer timer(List<Meter> meters, MeterRegistry registry, TidepoolMeters meter) {
        Timer.Builder builder = Timer.builder(meter.meterName())
                .description(meter.description())
                .tags(tags);
        if (percentileHistogram) {
            builder.publishPercentileHistogram().minimumExpectedValue(HISTOGRAM_MIN)
                    .maximumExpectedValue(HISTOGRAM_MAX);
        }
        Timer timer = builder.register(registry);
        meters.add(timer);
        return timer;
    }

    /** The meters of one registry, and the ones the listener records into. */
    record Bound(MeterRegistry registry, List<Meter> meters, Timer createTime, Timer waitTime, Timer useTime,
                 Map<ErrorKind, Counter> errors) {
    }

    /** Builds a {@link TidepoolMeterBinder}; not thread-safe. */
    public static final class Builder {

        private final TidepoolPool pool;
        private Tags tags = Tags.empty();
        private boolean percentileHistogram = true;
        private @Nullable PoolHealthCheck server;

        private Builder(TidepoolPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
        }

        /** Tags added to every meter, after {@value TidepoolMeters#POOL_NAME}. */
        public Builder tags(Iterable<Tag> tags) {
            this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
            return this;
        }

        /** Whether the timers publish a percentile histogram; default true. */
        public Builder percentileHistogram(boolean percentileHistogram) {
            this.percentileHistogram = percentileHistogram;
            return this;
        }

        /**
         * Also publishes {@link TidepoolMeters#SERVER_SHARE} and {@link TidepoolMeters#SERVER_HEADROOM} from
         * {@code check}'s latest reading of the server ({@link PoolHealthCheck#lastServerHeadroom()}): a scrape
         * reads no server, so the gauges are as fresh as the check's probes (a readiness probe, or the health
         * endpoint, polled every few seconds), and NaN until the first. {@code check} must be of this binder's pool.
         *
         * @throws IllegalArgumentException when {@code check} is of another pool, naming both
         */
        public Builder serverFrom(PoolHealthCheck check) {
            Objects.requireNonNull(check, "check");
            if (check.pool() != pool) {
                throw new IllegalArgumentException("serverFrom must be a check of pool '" + pool.name()
                        + "', was a check of pool '" + check.name() + "'");
            }
            this.server = check;
            return this;
        }

        /** The binder; nothing is registered until {@link TidepoolMeterBinder#bindTo(MeterRegistry)}. */
        public TidepoolMeterBinder build() {
            return new TidepoolMeterBinder(this);
        }
    }
}
