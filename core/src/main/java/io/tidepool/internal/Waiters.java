package io.tidepool.internal;

import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The acquires that wait for a connection, oldest first, and one timer for all their deadlines.
 *
 * <p>Every acquire has the same timeout, so the oldest waiter's deadline comes first: one timer, armed for the oldest,
 * serves them all, where a timer per waiter cost a scheduled task, a lock and a heap update both to arm and to cancel
 * (and the pool is exhausted, so callers wait, on every busy pool). Waiters are linked through their own fields:
 * adding and removing one allocates nothing and takes one short lock.
 */
final class Waiters {

    private final Scheduler scheduler;
    private final Ticks ticks;
    private @Nullable AcquireOperation head;
    private @Nullable AcquireOperation tail;
    private boolean timerArmed;

    /** Deadlines are in {@code ticks}, the time of {@code scheduler}, which runs the timer. */
    Waiters(Scheduler scheduler, Ticks ticks) {
        this.scheduler = scheduler;
        this.ticks = ticks;
    }

    /** The caller waits from now on: it times out at its deadline unless it is removed first. */
    void add(AcquireOperation waiter) {
        boolean arm;
        synchronized (this) {
            waiter.linked = true;
            waiter.previous = tail;
            waiter.next = null;
            if (tail == null) {
                head = waiter;
            } else {
                tail.next = waiter;
            }
            tail = waiter;
            arm = !timerArmed;
            timerArmed = true;
        }
        if (arm) {
            arm(waiter);
        }
    }

    /** The caller stopped waiting (it has its connection, failed or cancelled); does nothing if it was not waiting. */
    synchronized void remove(AcquireOperation waiter) {
        if (!waiter.linked) {
            return;
        }
        unlink(waiter);
    }

    /** Every caller waiting now, for close(). */
    synchronized List<AcquireOperation> snapshot() {
        List<AcquireOperation> all = new ArrayList<>();
        for (AcquireOperation w = head; w != null; w = w.next) {
            all.add(w);
        }
        return all;
    }

    private void unlink(AcquireOperation waiter) {
        AcquireOperation before = waiter.previous;
        AcquireOperation after = waiter.next;
        if (before == null) {
            head = after;
        } else {
            before.next = after;
        }
        if (after == null) {
            tail = before;
        } else {
            after.previous = before;
        }
        waiter.previous = null;
        waiter.next = null;
        waiter.linked = false;
    }

    private void arm(AcquireOperation oldest) {
        long delay = Math.max(0, oldest.deadlineNanos - ticks.nanoTime());
        scheduler.schedule(() -> expire(oldest), delay, TimeUnit.NANOSECONDS);
    }

    /**
     * The timer fired for {@code armedFor}: it times out (if it still waits), and so does every waiter whose deadline
     * has passed; the timer is then armed for the oldest one left. The waiter the timer was armed for expires even if
     * the clock says otherwise, so a virtual-time scheduler's timers fire as a timer per waiter would.
     */
    private void expire(AcquireOperation armedFor) {
        List<AcquireOperation> expired = new ArrayList<>();
        AcquireOperation next;
        synchronized (this) {
            long now = ticks.nanoTime();
            if (armedFor.linked) {
                unlink(armedFor);
                expired.add(armedFor);
            }
            while (head != null && head.deadlineNanos - now <= 0) {
                AcquireOperation late = head;
                unlink(late);
                expired.add(late);
            }
            next = head;
            timerArmed = next != null;
        }
        // outside the lock: a timeout signals the caller, whose pipeline may acquire again at once
        expired.forEach(AcquireOperation::timeOut);
        if (next != null) {
            arm(next);
        }
    }
}
