package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The result of one statement (up to its CommandComplete, or its error): its rows, its update count and its messages
 * as segments, streamed as they arrive (one subscription). An error segment makes {@link #map} and
 * {@link #getRowsUpdated} fail with that error; notices are seen only through {@link #flatMap} and {@link #filter}.
 */
final class PgResult implements Result {

    private final Publisher<Segment> segments;

    PgResult(Publisher<Segment> segments) {
        this.segments = segments;
    }

    @Override
    public Mono<Long> getRowsUpdated() {
        return Flux.from(segments).<Long>handle((s, sink) -> {
            if (s instanceof ErrorSegment) {
                sink.error(((ErrorSegment) s).exception());
            } else if (s instanceof UpdateCount) {
                sink.next(((UpdateCount) s).value());
            }
        }).reduce(Long::sum);
    }

    @Override
    public <T> Flux<T> map(BiFunction<Row, RowMetadata, ? extends T> mappingFunction) {
        Checks.notNull(mappingFunction, "mappingFunction must not be null");
        return Flux.from(segments).<T>handle((s, sink) -> {
            if (s instanceof RowSegment) {
                Row row = ((RowSegment) s).row();
                sink.next(mappingFunction.apply(row, row.getMetadata()));
            } else if (s instanceof ErrorSegment) {
                sink.error(((ErrorSegment) s).exception());
            }
        });
    }

    @Override
    public <T> Flux<T> map(Function<? super Readable, ? extends T> mappingFunction) {
        Checks.notNull(mappingFunction, "mappingFunction must not be null");
        return map((row, metadata) -> mappingFunction.apply(row));
    }

    @Override
    public Result filter(Predicate<Segment> filter) {
        Checks.notNull(filter, "filter must not be null");
        return new PgResult(Flux.from(segments).filter(filter));
    }

    @Override
    public <T> Flux<T> flatMap(Function<Segment, ? extends Publisher<? extends T>> mappingFunction) {
        Checks.notNull(mappingFunction, "mappingFunction must not be null");
        return Flux.from(segments).concatMap(mappingFunction);
    }

    /** A row. */
    static final class PgRowSegment implements RowSegment {
        private final Row row;

        PgRowSegment(Row row) {
            this.row = row;
        }

        @Override
        public Row row() {
            return row;
        }
    }

    /** The count from a CommandComplete tag. */
    static final class PgUpdateCount implements UpdateCount {
        private final long value;

        PgUpdateCount(long value) {
            this.value = value;
        }

        @Override
        public long value() {
            return value;
        }
    }

    /** A server message: an error (which fails the result) or a notice. */
    static class PgMessage implements Message {
        private final R2dbcException exception;

        PgMessage(R2dbcException exception) {
            this.exception = exception;
        }

        @Override
        public R2dbcException exception() {
            return exception;
        }

        @Override
        public int errorCode() {
            return exception.getErrorCode();
        }

        @Override
        public String sqlState() {
            String s = exception.getSqlState();
            return s == null ? "" : s;
        }

        @Override
        public String message() {
            return exception.getMessage();
        }
    }

    /** An ErrorResponse. */
    static final class ErrorSegment extends PgMessage {
        ErrorSegment(R2dbcException exception) {
            super(exception);
        }
    }
}
