package io.tidepool.internal;

import io.r2dbc.spi.Result;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What one borrower did to its connection that a release must know about: conversations still in flight or cut
 * short, results never read, and session settings changed through the R2DBC API.
 *
 * <p>A release is free (no round trip) only when this tracker is {@link #quiet()} and no setting changed.
 */
final class ExchangeTracker {

    private static final VarHandle IN_FLIGHT = Relay.field(MethodHandles.lookup(), "inFlight", int.class);
    private static final VarHandle UNREAD_RESULTS = Relay.field(MethodHandles.lookup(), "unreadResults", int.class);

    // counters in this object's own fields: one allocation per lease instead of three
    private volatile int inFlight;
    private volatile int unreadResults;
    private volatile boolean interrupted;
    private volatile boolean isolationChanged;
    private volatile boolean timeoutsChanged;
    // SessionStatements bits of every statement executed: what a return must undo
    private volatile int sessionChanges;
    // only with a silenceTimeout: when the server was last heard from (or asked), and the error once it went silent
    private final java.time.@org.jspecify.annotations.Nullable Clock silenceClock;
    private volatile long lastHeardMillis;
    private volatile @org.jspecify.annotations.Nullable Throwable silenced;

    /** @param silenceClock the pool's clock when it has a silenceTimeout, else null: then nothing is timed */
    ExchangeTracker(java.time.@org.jspecify.annotations.Nullable Clock silenceClock) {
        this.silenceClock = silenceClock;
    }

    /** Wraps the reading of {@code result}'s rows: in flight from subscription to its end. */
    <T> Flux<T> trackReading(Publisher<T> rows, TrackedResult result) {
        return new TrackedExchange<>(rows, this, false, result, null, PooledConnection.CHANGES_NOTHING);
    }

    /**
     * Wraps one exchange of {@code handle} that answers at most once: fenced off if the handle was returned when it
     * is subscribed, else in flight from subscription to its end; {@code changes} are marked when it is subscribed.
     */
    <T> Mono<T> trackOne(Publisher<T> exchange, PooledConnection handle, int changes) {
        return Mono.fromDirect(new TrackedExchange<>(exchange, this, false, null, handle, changes));
    }

    /**
     * Wraps a statement's execution, fenced as {@link #trackOne} is, each result tracked. Cancelling the stream of
     * results after it gave one is the common {@code Mono.from(statement.execute())} idiom: the results decide
     * whether the exchange was cut short.
     */
    Flux<Result> trackResults(Publisher<? extends Result> results, PooledConnection handle) {
        return new TrackedExchange<Result>(results, this, true, null, handle, PooledConnection.CHANGES_NOTHING);
    }

    void exchangeStarted() {
        heard();
        IN_FLIGHT.getAndAdd(this, 1);
    }

    /** A signal from the server (or a new request to it): silence counts from here. */
    void heard() {
        java.time.Clock clock = silenceClock;
        if (clock != null) {
            lastHeardMillis = clock.millis();
        }
    }

    /** How long an exchange in flight has waited without a signal; 0 when none is in flight. */
    long silentForMillis(long nowMillis) {
        return inFlight == 0 ? 0 : nowMillis - lastHeardMillis;
    }

    /** The connection went silent and is being closed: every exchange failing from now on fails with {@code error}. */
    void silenced(Throwable error) {
        silenced = error;
    }

    /** The error an exchange ends with: the silence, when that is why the connection failed under it. */
    Throwable endedWith(Throwable error) {
        Throwable silence = silenced;
        return silence != null ? silence : error;
    }

    /**
     * An exchange ended; {@code clean} when it completed (or, for a stream of results, was cancelled after giving
     * one). Otherwise the conversation may be unfinished, or the transaction status not yet reported.
     */
    void exchangeEnded(boolean clean) {
        heard();
        IN_FLIGHT.getAndAdd(this, -1);
        if (!clean) {
            interrupted = true;
        }
    }

    void resultEmitted() {
        UNREAD_RESULTS.getAndAdd(this, 1);
    }

    void resultRead() {
        UNREAD_RESULTS.getAndAdd(this, -1);
    }

    void isolationChanged() {
        isolationChanged = true;
    }

    void timeoutsChanged() {
        timeoutsChanged = true;
    }

    /** A statement left state in the session ({@link SessionStatements} bits). */
    void sessionChanged(int changes) {
        sessionChanges |= changes;
    }

    /** What the borrower's statements left in the session: {@link SessionStatements#NONE} or its bits. */
    int sessionChanges() {
        return sessionChanges;
    }

    /** Nothing was changed that a return must restore: isolation, timeouts, session state. */
    boolean settingsUntouched() {
        return !isolationChanged && !timeoutsChanged && sessionChanges == SessionStatements.NONE;
    }

    /** Every exchange ended normally and every result was read: the server has answered all and is waiting. */
    boolean quiet() {
        return inFlight == 0 && unreadResults == 0 && !interrupted;
    }

    boolean isolationWasChanged() {
        return isolationChanged;
    }

    boolean timeoutsWereChanged() {
        return timeoutsChanged;
    }
}
