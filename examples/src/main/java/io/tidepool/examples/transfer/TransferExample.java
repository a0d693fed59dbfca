package io.tidepool.examples.transfer;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.tidepool.PoolConfiguration;
import io.tidepool.PoolListener;
import io.tidepool.stats.PoolStats;
import io.tidepool.RetryPolicy;
import io.tidepool.TidepoolPool;
import io.tidepool.error.ErrorCategory;
import io.tidepool.error.ErrorClassifier;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Money transfers between accounts at SERIALIZABLE isolation, many at once. Two transfers that touch the same account
 * at the same time conflict: PostgreSQL aborts one of them with SQLSTATE 40001 ({@code could not serialize access}).
 * {@link TidepoolPool#inTransaction} rolls the loser back and runs it again, whole, in a new transaction on a newly
 * acquired connection, so the work reads the balances anew; results are emitted only once a transaction has committed.
 * A transfer refused for insufficient funds is rolled back and not retried: only a lost conflict is.
 *
 * <p>It prints how many conflicts were lost and retried, counted two ways: by a {@link PoolListener} that sees every
 * failed attempt (what a service would turn into a metric or a log line), and by counting the calls of the work.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=io.tidepool.examples.transfer.TransferExample \
 *     -Dexec.args="r2dbc:postgresql://postgres:secret@localhost:5432/postgres"
 * </pre>
 * The URL can also come from the environment variable {@code TIDEPOOL_EXAMPLE_URL}. The example creates (and
 * refills) the table {@code transfer_account}.
 */
public final class TransferExample {

    /** The pool's name, and so the server's {@code application_name} of its connections. */
    public static final String POOL_NAME = "transfers";
    /** What each account holds before the transfers. */
    public static final long OPENING_BALANCE = 1_000;

    private static final String DEFAULT_URL = "r2dbc:postgresql://postgres@localhost:5432/postgres";
    private static final int POOL_SIZE = 4;
    private static final ErrorClassifier CLASSIFIER = ErrorClassifier.defaults();

    // tag::retry[]
    /** Up to 8 attempts per transfer: under heavy contention the default 3 can all lose. */
    private static final RetryPolicy RETRY = RetryPolicy.builder()
            .maxAttempts(8)
            .firstBackoff(Duration.ofMillis(5))
            .maxBackoff(Duration.ofMillis(200))
            .build();
    // end::retry[]

    private TransferExample() {
    }

    /** One transfer to make. */
    public record Transfer(int from, int to, long amount) {
    }

    /** How a transfer ended. */
    public enum Outcome {
        /** Committed, after as many attempts as its conflicts took. */
        COMMITTED,
        /** Rolled back at once: the source account held less than the amount. */
        REFUSED,
        /** Lost a conflict on its last allowed attempt; rolled back. */
        GAVE_UP
    }

    /**
     * What a run did.
     *
     * @param transfers what was asked, in order
     * @param outcomes how each transfer ended, in the same order
     * @param attempts how many times the work ran (one transaction each)
     * @param conflicts attempts that lost a conflict (40001, 40P01), as the pool's listener saw them
     * @param totalBefore the sum of the balances before the transfers
     * @param totalAfter the sum of the balances after them
     * @param before the pool's stats before the transfers
     * @param after the pool's stats after them
     */
    public record Report(List<Transfer> transfers, List<Outcome> outcomes, int attempts, long conflicts,
                         long totalBefore, long totalAfter, PoolStats before, PoolStats after) {

        /** How many transfers ended with {@code outcome}. */
        public long count(Outcome outcome) {
            return outcomes.stream().filter(outcome::equals).count();
        }

        /** Attempts beyond the first of each transfer: each one followed a lost conflict. */
        public int retries() {
            return attempts - transfers.size();
        }
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : System.getenv().getOrDefault("TIDEPOOL_EXAMPLE_URL", DEFAULT_URL);
        Report report = run(url, 5, 200, 8, System.out);
        System.exit(report.totalBefore() == report.totalAfter() ? 0 : 1);
    }

    /**
     * Fills {@code accounts} accounts with {@link #OPENING_BALANCE}, makes the transfers of {@link #plan}, at most
     * {@code concurrency} at a time on a pool of 4, and prints what happened.
     */
    public static Report run(String url, int accounts, int transfers, int concurrency, PrintStream out) {
        PoolConfiguration config = PoolConfiguration.builder().url(url).name(POOL_NAME).maxSize(POOL_SIZE)
                .acquireTimeout(Duration.ofSeconds(10))
                .transactionRetry(RETRY)
                .build();
        List<Transfer> plan = plan(accounts, transfers, 42);
        Report report = TidepoolPool.using(config, pool -> new Bank(pool).transferAll(accounts, plan, concurrency))
                .single()
                .block(Duration.ofSeconds(120));
        print(report, accounts, concurrency, out);
        return report;
    }

    /** {@code count} transfers of 1 to 300 between random pairs of accounts {@code 1..accounts}, from {@code seed}. */
    public static List<Transfer> plan(int accounts, int count, long seed) {
        Random random = new Random(seed);
        List<Transfer> plan = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = 1 + random.nextInt(accounts);
            int to = 1 + (from + random.nextInt(accounts - 1)) % accounts;
            plan.add(new Transfer(from, to, 1 + random.nextInt(300)));
        }
        return Collections.unmodifiableList(plan);
    }

    /** The transfers of one run, on one pool. */
    private static final class Bank {
        private final TidepoolPool pool;
        private final AtomicInteger attempts = new AtomicInteger();
        private final ConflictCounter conflicts = new ConflictCounter();

        Bank(TidepoolPool pool) {
            this.pool = pool;
        }

        Mono<Report> transferAll(int accounts, List<Transfer> plan, int concurrency) {
            Disposable listening = pool.addListener(conflicts);
            return pool.inTransaction(c -> execute(c, "CREATE TABLE IF NOT EXISTS transfer_account"
                            + " (id int PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0));"
                            + " DELETE FROM transfer_account;"
                            + " INSERT INTO transfer_account SELECT g, " + OPENING_BALANCE
                            + " FROM generate_series(1, " + accounts + ") g"))
                    .then(total())
                    .flatMap(totalBefore -> {
                        PoolStats before = pool.stats();
                        return Flux.fromIterable(plan)
                                .flatMapSequential(this::transfer, concurrency)
                                .collectList()
                                .flatMap(outcomes -> {
                                    PoolStats after = pool.stats();
                                    return total().map(totalAfter -> new Report(plan, outcomes, attempts.get(),
                                            conflicts.count.sum(), totalBefore, totalAfter, before, after));
                                });
                    })
                    .doFinally(signal -> listening.dispose());
        }

        // tag::transfer[]
        private Mono<Outcome> transfer(Transfer t) {
            return pool.inTransaction(c -> {
                        attempts.incrementAndGet();        // called again for each retry, on a fresh transaction
                        return execute(c, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                                .then(balance(c, t.from()))
                                .flatMap(balance -> balance < t.amount()
                                        ? Mono.error(new InsufficientFundsException(t, balance))
                                        : move(c, t));
                    })
                    .then(Mono.just(Outcome.COMMITTED))   // inTransaction completes once COMMIT has succeeded
                    .onErrorResume(InsufficientFundsException.class, e -> Mono.just(Outcome.REFUSED))
                    .onErrorResume(e -> CLASSIFIER.classify(e) == ErrorCategory.TRANSACTION_CONFLICT,
                            e -> Mono.just(Outcome.GAVE_UP));
        }

        /** Updates the two rows in the order of their ids, so two transfers conflict but never deadlock. */
        private static Mono<Void> move(Connection c, Transfer t) {
            boolean fromFirst = t.from() < t.to();
            return add(c, fromFirst ? t.from() : t.to(), fromFirst ? -t.amount() : t.amount())
                    .then(add(c, fromFirst ? t.to() : t.from(), fromFirst ? t.amount() : -t.amount()));
        }
        // end::transfer[]

        private Mono<Long> total() {
            return pool.withConnection(c -> Flux.from(c.createStatement(
                                    "SELECT coalesce(sum(balance), 0)::int8 FROM transfer_account").execute())
                            .flatMap(r -> r.map((row, meta) -> row.get(0, Long.class))))
                    .single();
        }
    }

    // tag::listener[]
    /** Counts the attempts that lost a conflict: each was rolled back, and retried while the policy allowed. */
    private static final class ConflictCounter implements PoolListener {
        final LongAdder count = new LongAdder();

        @Override
        public void workFailed(String pool, Throwable error) {
            if (CLASSIFIER.classify(error) == ErrorCategory.TRANSACTION_CONFLICT) {
                count.increment();
            }
        }
    }
    // end::listener[]

    /** The source account holds less than the amount: the transfer is refused, and not retried. */
    static final class InsufficientFundsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InsufficientFundsException(Transfer t, long balance) {
            super("account " + t.from() + " holds " + balance + ", cannot transfer " + t.amount());
        }
    }

    private static Mono<Long> balance(Connection c, int account) {
        return Flux.from(c.createStatement("SELECT balance FROM transfer_account WHERE id = $1").bind(0, account)
                        .execute())
                .flatMap(r -> r.map((row, meta) -> row.get(0, Long.class)))
                .single();
    }

    private static Mono<Void> add(Connection c, int account, long amount) {
        return Flux.from(c.createStatement("UPDATE transfer_account SET balance = balance + $1 WHERE id = $2")
                        .bind(0, amount).bind(1, account).execute())
                .flatMap(Result::getRowsUpdated)
                .then();
    }

    private static Mono<Void> execute(Connection c, String sql) {
        return Flux.from(c.createStatement(sql).execute()).flatMap(Result::getRowsUpdated).then();
    }

    private static void print(Report report, int accounts, int concurrency, PrintStream out) {
        out.printf("%d transfers between %d accounts, %d at a time, on a pool of %d, at SERIALIZABLE isolation%n",
                report.transfers().size(), accounts, concurrency, POOL_SIZE);
        out.printf("  committed %d, refused (insufficient funds) %d, gave up (a conflict on all %d attempts) %d%n",
                report.count(Outcome.COMMITTED), report.count(Outcome.REFUSED), RETRY.maxAttempts(),
                report.count(Outcome.GAVE_UP));
        out.printf("  conflicts lost (40001/40P01): %d; retried on a fresh transaction: %d (%d attempts in all)%n",
                report.conflicts(), report.retries(), report.attempts());
        out.printf("  total balance: %d before, %d after%n", report.totalBefore(), report.totalAfter());
        out.printf("  pool after: %s, %d acquires, %d discards%n", report.after().describeState(),
                report.after().acquires() - report.before().acquires(),
                report.after().discards() - report.before().discards());
    }
}
