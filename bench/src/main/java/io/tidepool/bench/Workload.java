package io.tidepool.bench;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.concurrent.ThreadLocalRandom;

/** What one request does on its connection, for every JVM contender alike; pgbench runs the same SQL. */
enum Workload {

    /** {@code SELECT 1}, read to the end. r2dbc-postgresql sends a statement without parameters as a simple query. */
    SELECT_1("SELECT 1") {
        @Override
        Mono<Void> body(Connection c) {
            return Flux.from(c.createStatement("SELECT 1").execute())
                    .flatMap(r -> r.map((row, meta) -> row.get(0)))
                    .then();
        }

        @Override
        String pgbenchScript() {
            return "SELECT 1;\n";
        }
    },

    /**
     * A bound single-row lookup, {@code SELECT abalance FROM bench_accounts WHERE aid = $1}, outside a transaction:
     * the statement a multiplexed lane is made for. pgbench runs it prepared, as the JVM clients do.
     */
    LOOKUP("bound lookup (SELECT 1 row WHERE aid = $1)") {
        @Override
        Mono<Void> body(Connection c) {
            int aid = ThreadLocalRandom.current().nextInt(1, ACCOUNTS + 1);
            return Flux.from(c.createStatement(SELECT).bind(0, aid).execute())
                    .flatMap(r -> r.map((row, meta) -> row.get(0)))
                    .then();
        }

        @Override
        String pgbenchScript() {
            return "\\set aid random(1, " + ACCOUNTS + ")\n"
                    + "SELECT abalance FROM bench_accounts WHERE aid = :aid;\n";
        }
    },

    /**
     * {@code SELECT 1}, with one request in 1,000 a 50 ms {@code pg_sleep}: the lane's fairness check (the other
     * statements' p99 against plain {@code SELECT 1}'s). Not an end-to-end workload: only the lane part runs it.
     */
    SLOW_MIX("SELECT 1, one in 1,000 a 50 ms pg_sleep") {
        @Override
        Mono<Void> body(Connection c) {
            if (SLOW_COUNTER.incrementAndGet() % 1000 == 0) {
                return Flux.from(c.createStatement("SELECT pg_sleep(0.05)").execute())
                        .flatMap(Result::getRowsUpdated).then();
            }
            return SELECT_1.body(c);
        }

        @Override
        String pgbenchScript() {
            throw new UnsupportedOperationException("the slow mix runs on the lane only");
        }

        @Override
        boolean endToEnd() {
            return false;
        }
    },

    /**
     * pgbench-like read-write transaction: {@code BEGIN; UPDATE} one row of a small accounts table{@code ; SELECT} it
     * {@code ; COMMIT}. The statements have parameters, so r2dbc-postgresql prepares them once per connection.
     */
    TRANSACTION("transaction (BEGIN; UPDATE 1 row; SELECT 1 row; COMMIT)") {
        @Override
        Mono<Void> body(Connection c) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int aid = random.nextInt(1, ACCOUNTS + 1);
            int delta = random.nextInt(-5000, 5001);
            return Flux.from(c.createStatement(UPDATE).bind(0, delta).bind(1, aid).execute())
                    .flatMap(Result::getRowsUpdated)
                    .thenMany(Flux.from(c.createStatement(SELECT).bind(0, aid).execute()))
                    .flatMap(r -> r.map((row, meta) -> row.get(0)))
                    .then();
        }

        @Override
        String pgbenchScript() {
            return "\\set aid random(1, " + ACCOUNTS + ")\n"
                    + "\\set delta random(-5000, 5000)\n"
                    + "BEGIN;\n"
                    + "UPDATE bench_accounts SET abalance = abalance + :delta WHERE aid = :aid;\n"
                    + "SELECT abalance FROM bench_accounts WHERE aid = :aid;\n"
                    + "END;\n";
        }
    };

    /** The transaction's first statement ({@code $1} the delta, {@code $2} the account). */
    static final String UPDATE = "UPDATE bench_accounts SET abalance = abalance + $1 WHERE aid = $2";

    /** The transaction's second statement ({@code $1} the account). */
    static final String SELECT = "SELECT abalance FROM bench_accounts WHERE aid = $1";

    private static final java.util.concurrent.atomic.AtomicLong SLOW_COUNTER = new java.util.concurrent.atomic.AtomicLong();

    /** Rows in the accounts table: small, but enough that concurrent updates rarely touch the same row. */
    static final int ACCOUNTS = 10_000;

    /** The table the transaction works on, created afresh for each run. */
    static final java.util.List<String> SETUP = java.util.List.of(
            "DROP TABLE IF EXISTS bench_accounts",
            "CREATE TABLE bench_accounts (aid int PRIMARY KEY, abalance int NOT NULL)",
            "INSERT INTO bench_accounts SELECT g, 0 FROM generate_series(1, " + ACCOUNTS + ") g",
            "VACUUM ANALYZE bench_accounts");

    private final String label;

    Workload(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** Whether the end-to-end part runs it on every contender. */
    boolean endToEnd() {
        return true;
    }

    /** The statements of one request, outside any transaction handling. */
    abstract Mono<Void> body(Connection c);

    /** The same request as a pgbench custom script. */
    abstract String pgbenchScript();
}
