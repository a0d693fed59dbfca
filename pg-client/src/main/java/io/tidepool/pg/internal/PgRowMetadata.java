package io.tidepool.pg.internal;

import io.r2dbc.spi.RowMetadata;
import org.jspecify.annotations.Nullable;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/** The columns of a result, shared by all its rows; names looked up case-insensitively, first match wins. */
final class PgRowMetadata implements RowMetadata {

    static final PgRowMetadata EMPTY = new PgRowMetadata(new PgColumnMetadata[0]);

    final PgColumnMetadata[] columns;
    /** Built on the first lookup by name: most results are read by index or not by name at all. */
    private volatile @Nullable Map<String, Integer> byName;

    PgRowMetadata(PgColumnMetadata[] columns) {
        this.columns = columns;
    }

    private Map<String, Integer> byName() {
        Map<String, Integer> m = byName;
        if (m == null) {
            m = new HashMap<>(columns.length * 4);
            for (int i = columns.length - 1; i >= 0; i--) {
                m.put(columns[i].name, i);
                m.put(columns[i].name.toLowerCase(Locale.ROOT), i);
            }
            byName = m;
        }
        return m;
    }

    /** Reads a RowDescription. */
    static PgRowMetadata read(BackendMessage m) {
        int n = m.readCount();
        PgColumnMetadata[] columns = new PgColumnMetadata[n];
        for (int i = 0; i < n; i++) {
            String name = m.readCString();
            m.readInt(); // table OID
            m.readShort(); // attribute number
            int oid = m.readInt();
            short size = m.readShort();
            int modifier = m.readInt();
            short format = m.readShort();
            if (format != 0 && format != 1) {
                throw new PgProtocolException("RowDescription has an invalid format code " + format);
            }
            columns[i] = new PgColumnMetadata(name, oid, size, modifier, format == 1);
        }
        m.expectEnd();
        return new PgRowMetadata(columns);
    }

    /** The same columns with the result formats a Bind asked for. */
    PgRowMetadata withFormats(short[] formats) {
        PgColumnMetadata[] c = new PgColumnMetadata[columns.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = columns[i].withBinary(formats.length == 0 ? false
                    : formats.length == 1 ? formats[0] == 1 : formats[i] == 1);
        }
        return new PgRowMetadata(c);
    }

    /** The result formats to ask for: binary for the types the client decodes in binary, text for the rest. */
    short[] preferredFormats() {
        short[] formats = new short[columns.length];
        boolean any = false;
        for (int i = 0; i < formats.length; i++) {
            if (columns[i].type.binaryResult) {
                formats[i] = Frontend.BINARY;
                any = true;
            }
        }
        return any ? formats : new short[0];
    }

    int indexOf(String name) {
        Checks.notNull(name, "name must not be null");
        Map<String, Integer> m = byName();
        Integer i = m.get(name);
        if (i == null) {
            i = m.get(name.toLowerCase(Locale.ROOT));
        }
        if (i == null) {
            throw new NoSuchElementException("no column named '" + name + "' (columns: "
                    + Arrays.stream(columns).map(c -> c.name).reduce((a, b) -> a + ", " + b).orElse("none") + ")");
        }
        return i;
    }

    PgColumnMetadata column(int index) {
        if (index < 0 || index >= columns.length) {
            throw new IndexOutOfBoundsException("column index " + index + " is out of range: the result has "
                    + columns.length + " column(s)");
        }
        return columns[index];
    }

    @Override
    public PgColumnMetadata getColumnMetadata(int index) {
        return column(index);
    }

    @Override
    public PgColumnMetadata getColumnMetadata(String name) {
        return columns[indexOf(name)];
    }

    @Override
    public List<PgColumnMetadata> getColumnMetadatas() {
        return List.of(columns);
    }

    @Override
    public boolean contains(String columnName) {
        Checks.notNull(columnName, "columnName must not be null");
        Map<String, Integer> m = byName();
        return m.containsKey(columnName) || m.containsKey(columnName.toLowerCase(Locale.ROOT));
    }
}
