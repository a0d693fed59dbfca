package io.tidepool.internal;

import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.tidepool.pg.PgSession;
import org.reactivestreams.Publisher;
import java.util.function.Supplier;
import io.r2dbc.spi.Result;
import io.tidepool.stats.PoolStats;
import io.tidepool.error.PoolValidationException;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.pool.PooledRef;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One borrowing of one connection, from hand-out to return. Returned exactly once: the first of the borrower's
 * {@code close()}, the end of its pipeline, or the pool's reclaim at close wins; every later attempt does nothing.
 */
final class Lease {

    private static final VarHandle RETURNING = Relay.field(MethodHandles.lookup(), "returning", boolean.class);

    private final PooledRef<Slot> ref;
    private final PoolContext pool;
    private final ConnectionSource source;
    private final ExchangeTracker tracker;
    private final PooledConnection handle;
    private volatile boolean returning;
    private final long acquiredNanos;
    private volatile boolean discarded;
    private final @Nullable LeakWatch leakWatch;

    Lease(PooledRef<Slot> ref, PoolContext pool, ConnectionSource source, @Nullable Throwable origin) {
        this.source = source;
        this.ref = ref;
        this.pool = pool;
        this.tracker = new ExchangeTracker(pool.silenceClock());
        this.handle = new PooledConnection(ref.poolable().connection(), this, tracker);
        this.acquiredNanos = pool.timesBorrowings() ? System.nanoTime() : PoolContext.NOT_TIMED;
        this.leakWatch = LeakWatch.of(this, pool, acquiredNanos, origin);
    }

    boolean isReturning() {
        return returning;
    }

    Connection handle() {
        return handle;
    }

    /** Whether the borrower has used its handle (called a method of it) yet. */
    boolean inUse() {
        return handle.touched();
    }

    /** This borrowing's leak watch, if the pool watches for leaks. */
    @Nullable LeakWatch leakWatch() {
        return leakWatch;
    }

    String poolName() {
        return pool.name();
    }

    PoolStats poolStats() {
        return pool.stats();
    }

    /** Behind a pooler in transaction mode: session settings must stay within a transaction. */
    boolean transactionPooled() {
        return pool.configuration().serverPooling() == io.tidepool.ServerPooling.TRANSACTION;
    }

    /** The borrower closed its connection. */
    Mono<Void> returnByUser() {
        return Mono.defer(() -> release(SignalType.ON_COMPLETE, null));
    }

    /**
     * Returns the connection: reset and back to the pool, or closed when it cannot be trusted. The first call does
     * the work; later calls complete at once.
     *
     * @param signal how the borrower's pipeline ended
     * @param error the error it ended with, if any
     */
    Mono<Void> release(SignalType signal, @Nullable Throwable error) {
        if (!RETURNING.compareAndSet(this, false, true)) {
            return Mono.empty();
        }
        handle.markReturned();
        if (error != null) {
            pool.listeners.fire(l -> l.workFailed(pool.name(), error));
        }
        return new Ending(resetAndReturn(signal, error), this);
    }

    /**
     * The pool takes the connection back from a borrower who kept it too long (the pool is closing, or
     * {@code leakReclaimAfter} passed) and closes it; the borrower's next use fails with {@code reason}.
     */
    Mono<Void> reclaim(String reason) {
        if (!RETURNING.compareAndSet(this, false, true)) {
            return Mono.empty();
        }
        handle.markReclaimed(reason);
        return new Ending(discard(), this);
    }

    /** How long a statement of this borrowing has waited without a signal from the server; 0 when none waits. */
    long silentForMillis(long nowMillis) {
        return tracker.silentForMillis(nowMillis);
    }

    /**
     * The server went silent under a waiting statement: the connection is closed under the borrower, whose statement
     * fails with {@code error} and whose return then discards the connection.
     */
    void silenced(Throwable error) {
        tracker.silenced(error);
        Mono.from(ref.poolable().connection().close()).subscribe(null, e -> { });
    }

    private void ended() {
        if (leakWatch != null) {
            leakWatch.ended();
        }
        ref.poolable().returnedBy(this);
        if (pool.listeners.isEmpty()) {
            return;
        }
        pool.listeners.fire(l -> l.connectionReturned(pool.name(), PoolContext.since(acquiredNanos),
                discarded));
    }

    private Mono<Void> resetAndReturn(SignalType signal, @Nullable Throwable error) {
        Connection connection = ref.poolable().connection();
        ReturnRule.Plan decided = ReturnRule.decide(new ReturnRule.Borrowing(
                error != null && pool.configuration().errorClassifier().classify(error).discardsConnection(),
                source.isRetired(ref.poolable()), signal == SignalType.ON_COMPLETE, tracker.quiet(),
                outOfTransaction(connection), tracker.isolationWasChanged(), tracker.timeoutsWereChanged(),
                tracker.sessionChanges()));
        ReturnRule.Plan plan = decided.resetSession() && transactionPooled()
                ? TransactionScoped.withoutSessionReset(decided, pool.name()) : decided;
        var preRelease = pool.configuration().preRelease();
        if (preRelease.isPresent() && plan.outcome() != ReturnRule.Outcome.DISCARD) {
            // the user's own step comes first; a connection it fails on cannot be trusted
            return Flux.from(preRelease.get().apply(connection)).then()
                    .timeout(pool.configuration().validationTimeout(), pool.configuration().scheduler())
                    .then(Mono.defer(() -> carryOut(plan, connection)))
                    .onErrorResume(e -> discard());
        }
        return carryOut(plan, connection);
    }

    private Mono<Void> carryOut(ReturnRule.Plan plan, Connection connection) {
        switch (plan.outcome()) {
            case FREE:
                // a failed release is reactor-pool's to report; the Ending ignores it
                return backToPool();
            case DISCARD:
                return discard();
            default:
                return restore(plan, connection)
                        .timeout(pool.configuration().validationTimeout(), pool.configuration().scheduler())
                        .then(Mono.defer(this::backToPool))
                        .onErrorResume(e -> discard());
        }
    }

    private Mono<Void> backToPool() {
        // stamped before the release: reactor-pool's eviction check on release must see it used just now
        ref.poolable().returnedByBorrower(pool.nowMillis());
        return ref.release();
    }

    private Mono<Void> restore(ReturnRule.Plan plan, Connection connection) {
        Mono<Void> steps = !plan.rollback() ? Mono.empty()
                : plan.outcome() == ReturnRule.Outcome.RESET ? rollback(connection) : drainAndRollback(connection);
        if (plan.resetSession()) {
            steps = steps.then(Mono.defer(() -> resetSession(connection)));
        }
        if (plan.restoreIsolation()) {
            steps = steps.then(Mono.defer(() ->
                    Mono.from(connection.setTransactionIsolationLevel(ref.poolable().initialIsolation()))));
        }
        if (plan.resetTimeouts()) {
            steps = steps.then(Mono.defer(() -> Flux.from(connection
                            .createStatement("RESET statement_timeout; RESET lock_timeout").execute())
                    .flatMap(Result::getRowsUpdated).then()));
        }
        return steps;
    }

    /**
     * Everything {@code DISCARD ALL} undoes but the prepared statements (the driver's own cache lives there), one
     * round trip; then the user's connection setup again, since it is undone too.
     */
    private Mono<Void> resetSession(Connection connection) {
        Mono<Void> reset = Flux.from(connection.createStatement(SESSION_RESET).execute())
                .flatMap(Result::getRowsUpdated).then();
        ConnectionSetup setup = source.setup();
        return setup == null ? reset : reset.then(Mono.defer(() -> setup.applyTo(connection)));
    }

    /** What {@code DISCARD ALL} does, less {@code DEALLOCATE ALL}; each of them may run in a transaction block. */
    static final String SESSION_RESET = "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; "
            + "SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES";

    /**
     * ROLLBACK queues behind any conversation still in flight, so its answer means the connection is idle and out of
     * any transaction, open or failed; outside a transaction the server merely warns.
     */
    private static Mono<Void> rollback(Connection connection) {
        Mono<Void> sql = Mono.defer(() -> Flux.from(connection.createStatement("ROLLBACK").execute())
                .flatMap(Result::getRowsUpdated).then());
        if (connection instanceof PgSession session) {
            // the native client keeps a transaction of the API's on its side (a BEGIN not sent yet, auto-commit off):
            // it is ended through the API, one begun in SQL by the ROLLBACK
            return Mono.defer(() -> session.isAutoCommit() ? sql : Mono.from(session.rollbackTransaction())
                    .then(Mono.from(session.setAutoCommit(true))).then(sql));
        }
        return sql;
    }

    /**
     * Whether the connection is out of any transaction, as the server reported at the end of the last exchange: for
     * r2dbc-postgresql its auto-commit flag follows that status; the native client reports it, and a transaction of
     * its own not yet sent, apart from its logical auto-commit flag.
     */
    private static boolean outOfTransaction(Connection connection) {
        return connection instanceof PgSession session ? session.isIdleOutsideTransaction() && session.isAutoCommit()
                : connection.isAutoCommit();
    }

    /**
     * As {@link #rollback}, after a borrower stopped mid-conversation. If the server is still busy with the abandoned
     * statement (a cancelled {@code pg_sleep}, a long scan) after a grace period, it is asked to cancel it so that
     * its backend ends promptly, and the connection is then closed, not returned: a cancel request lands at an
     * unknown moment and could otherwise hit the next borrower's statement.
     */
    private Mono<Void> drainAndRollback(Connection connection) {
        // behind a pooler in transaction mode a cancel request may reach a backend that serves another client by
        // then: the ROLLBACK gets the whole validationTimeout (the release's bound), then the connection is closed
        Supplier<Publisher<Void>> cancel = cancelRequest(connection);
        if (cancel == null || transactionPooled()) {
            return rollback(connection);
        }
        return Mono.defer(() -> {
            // whichever comes first, the ROLLBACK's answer or the grace period, decides
            AtomicBoolean decided = new AtomicBoolean();
            Duration grace = pool.configuration().validationTimeout().dividedBy(4);
            Disposable interrupt = pool.configuration().scheduler().schedule(() -> {
                if (decided.compareAndSet(false, true)) {
                    Mono.from(cancel.get()).subscribe(null, e -> { });
                }
            }, grace.toMillis(), TimeUnit.MILLISECONDS);
            // a failed ROLLBACK (the cancel may hit it) discards the connection as surely as a cancel sent does
            return rollback(connection)
                    .then(Mono.defer(() -> decided.compareAndSet(false, true) ? Mono.<Void>empty()
                            : Mono.error(new PoolValidationException(pool.name(),
                                    "an abandoned statement had to be cancelled on the server", 1, pool.stats()))))
                    .doFinally(s -> interrupt.dispose());
        });
    }

    /** How to ask the server to cancel what runs on {@code connection}, for either protocol client; null if neither. */
    private static @Nullable Supplier<Publisher<Void>> cancelRequest(Connection connection) {
        if (connection instanceof PostgresqlConnection postgres) {
            return postgres::cancelRequest;
        }
        if (connection instanceof PgSession session) {
            return session::cancelRequest;
        }
        return null;
    }

    private Mono<Void> discard() {
        discarded = true;
        pool.counters.discards.increment();
        return ref.invalidate().onErrorResume(e -> Mono.empty());
    }

    /**
     * A return: ends the borrowing once it finishes, however it finishes, and never fails (a return that cannot reset
     * the connection discards it instead). One operator in place of a doFinally and an onErrorResume with their
     * lambdas, on every return.
     */
    private static final class Ending extends Mono<Void> {

        private final Mono<Void> source;
        private final Lease lease;

        Ending(Mono<Void> source, Lease lease) {
            this.source = source;
            this.lease = lease;
        }

        @Override
        public void subscribe(CoreSubscriber<? super Void> actual) {
            source.subscribe(new EndingSubscriber(actual, lease));
        }
    }

    private static final class EndingSubscriber extends Relay<Void, Void> {

        private static final long serialVersionUID = 1L;

        private final Lease lease;
        private volatile boolean detached;

        EndingSubscriber(CoreSubscriber<? super Void> actual, Lease lease) {
            super(actual);
            this.lease = lease;
        }

        @Override
        public void onNext(Void value) {
            // a Mono<Void> emits no value
        }

        @Override
        public void onError(Throwable error) {
            end();
            if (!detached) {
                actual.onComplete();
            }
        }

        @Override
        public void onComplete() {
            end();
            if (!detached) {
                actual.onComplete();
            }
        }

        /**
         * The caller stopped waiting for the return (a timeout, a disconnect), not the return itself: cut short, a
         * ROLLBACK or reset would neither release nor discard the connection, and it would stay borrowed for good.
         * The return runs on, bounded by the validation timeout, and ends the borrowing when it is done.
         */
        @Override
        public void cancel() {
            detached = true;
            request(Long.MAX_VALUE);
        }

        // the borrowing has ended before its pipeline hears of it: a close() that follows sees it returned
        private void end() {
            if (once()) {
                lease.ended();
            }
        }
    }
}
