package io.tidepool.internal;

import reactor.core.scheduler.Scheduler;

import java.util.concurrent.TimeUnit;

/**
 * The nanosecond time that deadlines and budgets are measured in, from the scheduler their timers run on: its own
 * time when it keeps one (it overrides {@link Scheduler#now}, as a virtual-time scheduler does), so that a deadline
 * and the timer armed for it agree; otherwise {@link System#nanoTime()}, because a scheduler's default {@code now}
 * reads the wall clock, which can jump.
 */
public final class Ticks {

    private static final ClassValue<Boolean> KEEPS_ITS_OWN_TIME = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("now", TimeUnit.class).getDeclaringClass() != Scheduler.class;
            } catch (NoSuchMethodException e) {
                return false;
            }
        }
    };

    private final Scheduler scheduler;
    private final boolean ownTime;

    private Ticks(Scheduler scheduler) {
        this.scheduler = scheduler;
        this.ownTime = KEEPS_ITS_OWN_TIME.get(scheduler.getClass());
    }

    /** The time of {@code scheduler}'s timers. */
    public static Ticks of(Scheduler scheduler) {
        return new Ticks(scheduler);
    }

    /** Now, in nanoseconds from an arbitrary origin: only differences mean anything. */
    public long nanoTime() {
        return ownTime ? scheduler.now(TimeUnit.NANOSECONDS) : System.nanoTime();
    }
}
