package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

/** One encoded parameter: the type OID sent in Parse, the format code and the bytes ({@code null} for SQL NULL). */
final class BindValue {

    final int oid;
    final short format;
    final byte @Nullable [] bytes;

    BindValue(int oid, short format, byte @Nullable [] bytes) {
        this.oid = oid;
        this.format = format;
        this.bytes = bytes;
    }
}
