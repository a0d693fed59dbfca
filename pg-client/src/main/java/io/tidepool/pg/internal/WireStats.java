package io.tidepool.pg.internal;

/**
 * Counts of what a connection wrote, for tests and benchmarks: written and read on the event loop only, read
 * elsewhere at the reader's risk of a slightly stale value.
 */
final class WireStats {

    volatile long flushes;
    volatile long syncs;
    volatile long queries;
    volatile long parses;
    volatile long bytesWritten;
    volatile long readyForQuery;

    @Override
    public String toString() {
        return "flushes=" + flushes + ", syncs=" + syncs + ", queries=" + queries + ", parses=" + parses
                + ", bytesWritten=" + bytesWritten + ", readyForQuery=" + readyForQuery;
    }
}
