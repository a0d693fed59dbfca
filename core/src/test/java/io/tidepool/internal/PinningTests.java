package io.tidepool.internal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which SQL pins a multiplexed borrower to a connection of its own, from its text: row by row, no server needed. */
class PinningTests {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "SELECT 1                                              | false",
            "select * from t where id = $1                         | false",
            "UPDATE t SET x = 1                                    | false",
            "WITH x AS (SELECT 1) SELECT * FROM x                  | false",
            "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET x=1 | false",
            "SET LOCAL statement_timeout = 1                       | false",
            "select pg_advisory_xact_lock(1)                       | false",
            "CREATE TABLE settings (i int)                         | false",
            "SELECT 'begin'                                        | false",
            "BEGIN                                                 | true",
            "begin isolation level serializable                    | true",
            "START TRANSACTION                                     | true",
            "COMMIT                                                | true",
            "END                                                   | true",
            "ROLLBACK                                              | true",
            "ABORT                                                 | true",
            "SAVEPOINT s                                           | true",
            "RELEASE SAVEPOINT s                                   | true",
            "PREPARE TRANSACTION 'x'                               | true",
            "LOCK TABLE t IN SHARE MODE                            | true",
            "DECLARE c CURSOR FOR SELECT 1                         | true",
            "FETCH 10 FROM c                                       | true",
            "MOVE NEXT IN c                                        | true",
            "CLOSE c                                               | true",
            "SET search_path TO app                                | true",
            "RESET ALL                                             | true",
            "LISTEN chan                                           | true",
            "CREATE TEMP TABLE t (i int)                           | true",
            "PREPARE p AS SELECT 1                                 | true",
            "SELECT pg_advisory_lock(42)                           | true",
            "SELECT 1; BEGIN                                       | true",
            "/* x */ commit                                        | true"})
    void pins(String sql, boolean pins) {
        assertThat(Pinning.pinsStatement(sql.replace("\\n", "\n"))).isEqualTo(pins);
    }
}
