package io.tidepool.pg.internal;

import org.jspecify.annotations.Nullable;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The connection's named prepared statements, least recently used evicted first; used on the event loop only. An
 * evicted statement's name goes to {@code onEvict}, which closes it on the server with the next write.
 */
final class StatementCache {

    /** A named statement: its columns as first described (text formats) and the formats to bind from then on. */
    static final class Entry {
        final String key;
        final String name;
        @Nullable PgRowMetadata described;
        short[] resultFormats = new short[0];
        @Nullable PgRowMetadata layout;
        /** The server has answered ParseComplete for it. */
        boolean confirmed;

        Entry(String key, String name) {
            this.key = key;
            this.name = name;
        }

        void described(PgRowMetadata columns) {
            if (described == null) {
                described = columns;
                resultFormats = columns.preferredFormats();
                layout = columns.withFormats(resultFormats);
            }
        }
    }

    private final int capacity;
    private final Consumer<String> onEvict;
    private final LinkedHashMap<String, Entry> entries;
    private long counter;

    StatementCache(int capacity, Consumer<String> onEvict) {
        this.capacity = capacity;
        this.onEvict = onEvict;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                if (size() > StatementCache.this.capacity) {
                    StatementCache.this.onEvict.accept(eldest.getValue().name);
                    return true;
                }
                return false;
            }
        };
    }

    boolean enabled() {
        return capacity > 0;
    }

    @Nullable Entry get(String key) {
        return entries.get(key);
    }

    Entry create(String key) {
        Entry e = new Entry(key, "S_" + (++counter));
        entries.put(key, e);
        return e;
    }

    /** Forgets every entry without closing it: the server dropped them all ({@code DISCARD ALL}, {@code DEALLOCATE}). */
    void clear() {
        entries.clear();
    }

    /** Forgets {@code entry} if it is still the cached one for its key. */
    void remove(Entry entry) {
        entries.remove(entry.key, entry);
    }
}
