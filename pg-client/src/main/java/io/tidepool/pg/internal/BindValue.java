package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

/** One encoded parameter: the type OID sent in Parse, the format code and the bytes ({@code null} for SQL NULL). */
final class BindValue {

    final int oid;
    final short format;
    final byte @Nullable [] bytes;
    /** A Blob or Clob whose content is read (asynchronously) before the statement is written; else null. */
    final @Nullable Object lob;

    BindValue(int oid, short format, byte @Nullable [] bytes) {
        this(oid, format, bytes, null);
    }

    private BindValue(int oid, short format, byte @Nullable [] bytes, @Nullable Object lob) {
        this.oid = oid;
        this.format = format;
        this.bytes = bytes;
        this.lob = lob;
    }

    static BindValue lob(io.r2dbc.spi.Blob blob) {
        return new BindValue(PgType.BYTEA.oid, Frontend.BINARY, null, blob);
    }

    static BindValue lob(io.r2dbc.spi.Clob clob) {
        return new BindValue(PgType.TEXT.oid, Frontend.TEXT, null, clob);
    }

    /** Reads a Blob's or Clob's content into a plain value. */
    reactor.core.publisher.Mono<BindValue> resolve() {
        Object l = lob;
        if (l instanceof io.r2dbc.spi.Blob) {
            io.r2dbc.spi.Blob blob = (io.r2dbc.spi.Blob) l;
            return reactor.core.publisher.Flux.from(blob.stream())
                    .collect(java.io.ByteArrayOutputStream::new, (out, b) -> {
                        byte[] chunk = new byte[b.remaining()];
                        b.duplicate().get(chunk);
                        out.write(chunk, 0, chunk.length);
                    })
                    .map(out -> new BindValue(oid, format, out.toByteArray()));
        }
        if (l instanceof io.r2dbc.spi.Clob) {
            io.r2dbc.spi.Clob clob = (io.r2dbc.spi.Clob) l;
            return reactor.core.publisher.Flux.from(clob.stream())
                    .collect(StringBuilder::new, StringBuilder::append)
                    .map(s -> new BindValue(oid, format, s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return reactor.core.publisher.Mono.just(this);
    }
}
