package io.tidepool.pg.internal;

import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** R2DBC's contract for a null argument: an IllegalArgumentException naming it, never a NullPointerException. */
@Timeout(20)
class NullArgumentTests {

    private final ScriptedConnection c = new ScriptedConnection();

    @AfterEach
    void close() {
        c.close();
    }

    private Result result() throws Exception {
        CompletableFuture<List<Result>> f = c.submit("SELECT n");
        c.written();
        c.feed(Backend.concat(Backend.rowDescription("n", 23), Backend.dataRow("1"),
                Backend.commandComplete("SELECT 1"), Backend.readyForQuery('I')));
        return f.get(5, TimeUnit.SECONDS).get(0);
    }

    @Test
    void rowAndRowMetadata() throws Exception {
        Row row = Flux.from(result().map((r, m) -> r)).blockFirst();
        RowMetadata metadata = row.getMetadata();
        assertThatIllegalArgumentException().isThrownBy(() -> row.get((String) null))
                .withMessage("name must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> row.get((String) null, Integer.class))
                .withMessage("name must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> row.get(0, null))
                .withMessage("type must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> row.get("n", null))
                .withMessage("type must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> metadata.getColumnMetadata((String) null))
                .withMessage("name must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> metadata.contains(null))
                .withMessage("columnName must not be null");
    }

    @Test
    void aNullGeneratedColumnName() {
        PgStatement statement = new PgStatement((sql, bindings) -> Flux.empty(), "INSERT INTO t VALUES (1)");
        assertThatIllegalArgumentException().isThrownBy(() -> statement.returnGeneratedValues("id", null))
                .withMessage("a column name given to returnGeneratedValues must not be null");
    }

    @Test
    void resultFunctions() throws Exception {
        Result result = result();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> result.map((BiFunction<Row, RowMetadata, Object>) null))
                .withMessage("mappingFunction must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> result.map((Function<Readable, Object>) null))
                .withMessage("mappingFunction must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> result.filter(null))
                .withMessage("filter must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> result.flatMap(null))
                .withMessage("mappingFunction must not be null");
    }

    @Test
    void statementAndBatch() {
        Exchanger none = (sql, bindings) -> Flux.empty();
        assertThatIllegalArgumentException().isThrownBy(() -> new PgStatement(none, null))
                .withMessage("sql must not be null");
        PgStatement statement = new PgStatement(none, "SELECT $1");
        assertThatIllegalArgumentException().isThrownBy(() -> statement.bind((String) null, 1))
                .withMessage("name must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> statement.bind(0, null))
                .withMessage("value must not be null: use bindNull");
        assertThatIllegalArgumentException().isThrownBy(() -> statement.bindNull(0, null))
                .withMessage("type must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> statement.bindNull((String) null, Integer.class))
                .withMessage("name must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> new PgBatch(none).add(null))
                .withMessage("sql must not be null");
    }
}
