package io.tidepool.bench;

/**
 * One virtual client of a run: it sends one request at a time, back to back, and counts what it completed. Its fields
 * are only touched by its own request chain, one signal after another, so they need no locking.
 */
final class Client {

    final int index;
    long completed;
    long startedNanos;
    long acquiredNanos;
    boolean cancelled;

    Client(int index) {
        this.index = index;
    }

    /** The request has its connection: called by the contender as the work starts. */
    void acquired() {
        acquiredNanos = System.nanoTime();
    }
}
