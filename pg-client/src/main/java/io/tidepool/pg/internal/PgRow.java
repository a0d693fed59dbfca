package io.tidepool.pg.internal;

import io.r2dbc.spi.Row;
import org.jspecify.annotations.Nullable;

/**
 * One DataRow: a single copy of the message body plus each value's offset and length, decoded only when read.
 */
final class PgRow implements Row {

    private final PgRowMetadata metadata;
    private final byte[] data;
    /** offset and length of each value, length -1 for NULL. */
    private final int[] bounds;

    private PgRow(PgRowMetadata metadata, byte[] data, int[] bounds) {
        this.metadata = metadata;
        this.data = data;
        this.bounds = bounds;
    }

    /** Reads a DataRow against the columns of its RowDescription; every length is checked. */
    static PgRow read(BackendMessage m, PgRowMetadata metadata) {
        int n = m.readCount();
        if (n != metadata.columns.length) {
            throw new PgProtocolException("DataRow has " + n + " value(s) but its RowDescription "
                    + metadata.columns.length);
        }
        byte[] data = m.readRest();
        int[] bounds = new int[2 * n];
        int p = 0;
        for (int i = 0; i < n; i++) {
            if (data.length - p < 4) {
                throw new PgProtocolException("DataRow is truncated at value " + i);
            }
            int len = ((data[p] & 0xFF) << 24) | ((data[p + 1] & 0xFF) << 16) | ((data[p + 2] & 0xFF) << 8)
                    | (data[p + 3] & 0xFF);
            p += 4;
            if (len < -1 || (len > 0 && data.length - p < len)) {
                throw new PgProtocolException("DataRow value " + i + " has an invalid length " + len);
            }
            bounds[2 * i] = p;
            bounds[2 * i + 1] = len;
            if (len > 0) {
                p += len;
            }
        }
        if (p != data.length) {
            throw new PgProtocolException("DataRow has " + (data.length - p) + " unexpected trailing byte(s)");
        }
        return new PgRow(metadata, data, bounds);
    }

    @Override
    public PgRowMetadata getMetadata() {
        return metadata;
    }

    @Override
    public <T> @Nullable T get(int index, Class<T> type) {
        Checks.notNull(type, "type must not be null");
        PgColumnMetadata c = metadata.column(index);
        int offset = bounds[2 * index];
        int length = bounds[2 * index + 1];
        if (length < 0) {
            return null;
        }
        if (type == String.class && (!c.binary || c.type.binaryIsText)) {
            // the text form is already what was asked for
            return type.cast(ValueDecoder.text(data, offset, length));
        }
        Object value;
        try {
            value = ValueDecoder.decode(data, offset, length, c.type, c.binary);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("column '" + c.name + "' (" + c.type.getName()
                    + ") could not be decoded: " + e.getMessage(), e);
        }
        if (type == Object.class) {
            return type.cast(value);
        }
        return ValueDecoder.convert(value, type, c.name);
    }

    @Override
    public <T> @Nullable T get(String name, Class<T> type) {
        Checks.notNull(type, "type must not be null");
        return get(metadata.indexOf(name), type);
    }
}
