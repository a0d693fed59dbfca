package io.tidepool.testing;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcRollbackException;
import io.tidepool.testing.FakeConnectionFactory.Behavior;
import io.tidepool.testing.FakeConnectionFactory.Exchange;
import io.tidepool.testing.FakeConnectionFactory.FakeConnection;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fake itself: what it counts, the transaction state it tracks, and its script. */
@Tag("fast")
class FakeConnectionFactoryTests {

    private final FakeConnectionFactory fake = new FakeConnectionFactory();

    private Connection open() {
        return Mono.from(fake.create()).block();
    }

    @Test
    void unscriptedItAnswersAtOnceAndCountsEverything() {
        Connection c = open();
        Integer one = Flux.from(c.createStatement("SELECT 1").execute())
                .flatMap(r -> r.map((row, m) -> row.get(0, Integer.class))).blockLast();
        assertThat(one).isEqualTo(1);
        assertThat(Mono.from(c.validate(io.r2dbc.spi.ValidationDepth.REMOTE)).block()).isTrue();
        Mono.from(c.close()).block();

        FakeConnection fc = fake.connections().get(0);
        assertThat(fake.creates()).isEqualTo(1);
        assertThat(fake.closes()).isEqualTo(1);
        assertThat(fake.openConnections()).isZero();
        assertThat(fc.count(Exchange.STATEMENT)).isEqualTo(1);
        assertThat(fc.count(Exchange.VALIDATE)).isEqualTo(1);
        assertThat(fc.closes()).isEqualTo(1);
    }

    @Test
    void itTracksTheTransactionByApiAndBySql() {
        Connection c = open();
        assertThat(c.isAutoCommit()).isTrue();
        Mono.from(c.beginTransaction()).block();
        assertThat(c.isAutoCommit()).isFalse();
        Mono.from(c.commitTransaction()).block();
        assertThat(c.isAutoCommit()).isTrue();

        Flux.from(c.createStatement("BEGIN").execute()).blockLast();
        assertThat(c.isAutoCommit()).isFalse();
        Flux.from(c.createStatement("  rollback").execute()).blockLast();
        assertThat(c.isAutoCommit()).isTrue();

        FakeConnection fc = fake.connections().get(0);
        assertThat(fc.count(Exchange.BEGIN)).isEqualTo(2);
        assertThat(fc.count(Exchange.COMMIT)).isEqualTo(1);
        assertThat(fc.count(Exchange.ROLLBACK)).isEqualTo(1);
        assertThat(fc.count(Exchange.STATEMENT)).isZero();
    }

    @Test
    void aScriptedFailureComesOnceThenTheAlwaysBehaviour() {
        fake.next(Exchange.COMMIT, Behavior.fail(() -> new R2dbcRollbackException("conflict", "40001")));
        Connection c = open();
        Mono.from(c.beginTransaction()).block();
        assertThatThrownBy(() -> Mono.from(c.commitTransaction()).block())
                .isInstanceOf(R2dbcRollbackException.class);
        assertThat(c.isAutoCommit()).as("a failed COMMIT changes nothing").isFalse();
        Mono.from(c.commitTransaction()).block();
        assertThat(c.isAutoCommit()).isTrue();
        assertThat(fake.connections().get(0).count(Exchange.COMMIT)).as("completed commits").isEqualTo(1);
    }

    @Test
    void aGateHoldsItsExchangesUntilOpenedAndCountsCancels() {
        FakeConnectionFactory.Gate gate = Behavior.hang();
        fake.always(Exchange.STATEMENT, gate);
        Connection c = open();
        Disposable cancelled = Flux.from(c.createStatement("SELECT 1").execute()).subscribe();
        var held = Flux.from(c.createStatement("SELECT 2").execute()).then().toFuture();
        assertThat(gate.held()).isEqualTo(2);

        cancelled.dispose();
        assertThat(gate.cancelled()).isEqualTo(1);
        assertThat(held).isNotDone();
        gate.open();
        assertThat(held).isDone();
        assertThat(gate.passed()).isEqualTo(1);
        assertThat(fake.connections().get(0).count(Exchange.STATEMENT)).isEqualTo(1);
        fake.reset();
    }

    @Test
    void aFailingCreateOpensNothing() {
        fake.next(Exchange.CREATE, Behavior.fail(() -> new IllegalStateException("refused")));
        assertThatThrownBy(this::open).isInstanceOf(IllegalStateException.class);
        assertThat(fake.createAttempts()).isEqualTo(1);
        assertThat(fake.creates()).isZero();
        open();
        assertThat(fake.creates()).isEqualTo(1);
    }
}
