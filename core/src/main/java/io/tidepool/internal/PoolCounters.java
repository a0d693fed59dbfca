package io.tidepool.internal;

import java.util.concurrent.atomic.LongAdder;

/** The pool's cumulative counts; {@link LongAdder} because every borrower on every thread bumps them. */
final class PoolCounters {

    final LongAdder acquires = new LongAdder();
    final LongAdder creates = new LongAdder();
    final LongAdder createFailures = new LongAdder();
    final LongAdder destroys = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder validationFailures = new LongAdder();
    final LongAdder discards = new LongAdder();
    final LongAdder leaks = new LongAdder();
}
