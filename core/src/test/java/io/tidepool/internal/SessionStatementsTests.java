package io.tidepool.internal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which SQL leaves state in the session, from its text: row by row, no server needed. */
class SessionStatementsTests {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "SELECT 1                                              | 0",
            "UPDATE t SET x = 1                                    | 0",
            "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET x=1 | 0",
            "SET LOCAL statement_timeout = 1                       | 0",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE          | 0",
            "select pg_advisory_xact_lock(1)                       | 0",
            "PREPARE TRANSACTION 'x'                               | 0",
            "DECLARE c CURSOR FOR SELECT 1                         | 0",
            "CREATE TABLE settings (i int)                         | 0",
            "SET search_path TO app                                | 1",
            "  set\tTIME ZONE 'UTC'                                | 1",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY  | 1",
            "RESET ALL                                             | 1",
            "LISTEN chan                                           | 1",
            "LOAD 'auto_explain'                                   | 1",
            "CREATE TEMP TABLE t (i int)                           | 1",
            "create temporary view v as select 1                   | 1",
            "CREATE OR REPLACE TEMP VIEW v AS SELECT 1             | 1",
            "CREATE GLOBAL TEMPORARY TABLE t (i int)               | 1",
            "DECLARE c CURSOR WITH HOLD FOR SELECT 1               | 1",
            "SELECT set_config('a.b', 'c', false)                  | 1",
            "SELECT pg_advisory_lock(42)                           | 1",
            "SELECT pg_try_advisory_lock_shared(42)                | 1",
            "SELECT 1; SET ROLE app                                | 1",
            "-- a comment\\nSET work_mem = '1MB'                    | 1",
            "/* x */ SET work_mem = '1MB'                          | 1",
            "PREPARE p AS SELECT 1                                 | 2",
            "SET a.b = 1; PREPARE p AS SELECT 1                    | 3"})
    void tellsWhatAStatementLeavesInTheSession(String sql, int expected) {
        assertThat(SessionStatements.changes(sql.replace("\\n", "\n").trim())).isEqualTo(expected);
    }
}
