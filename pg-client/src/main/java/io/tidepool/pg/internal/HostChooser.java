package io.tidepool.pg.internal;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcPermissionDeniedException;
import io.tidepool.pg.PgConnectionConfiguration;
import io.tidepool.pg.PgHost;
import io.tidepool.pg.PgSession;
import io.tidepool.pg.PgTargetServerType;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Chooses the host of each new connection among several: the one place that knows the host list and the target role.
 *
 * <p>Hosts are tried one at a time, in the configured order, except that a host found down or of the wrong role
 * within the last {@code hostRecheckTime} is tried after the others (never skipped: it may be the one that is right
 * now). Each attempt gets the connect timeout; on a server that accepted the connection, the role is checked
 * ({@link ServerRole}) unless the target is {@link PgTargetServerType#ANY}. A connection of the wrong role is closed
 * and the next host tried; {@link PgTargetServerType#PREFER_STANDBY} keeps the first primary's connection until a
 * standby answers or none is left. When no host will do, the error lists every host and what it answered (never the
 * password, which no message of the client holds). This is r2dbc-postgresql's {@code MultiHostConnectionStrategy}'s
 * behaviour; with {@code loadBalanceHosts} the hosts of each rank are tried in a random order, as there.
 */
public final class HostChooser {

    /** What a host was found to be, and when. */
    private record Seen(Finding finding, long atNanos) {
    }

    private enum Finding { DOWN, PRIMARY, STANDBY }

    private final List<PgHost> hosts;
    private final PgTargetServerType target;
    private final boolean shuffle;
    private final Duration checkWithin;
    private final long recheckNanos;
    private final Function<PgHost, Mono<PgSession>> connect;
    private final LongSupplier nanoClock;
    private final Map<PgHost, Seen> seen = new ConcurrentHashMap<>();

    /** A chooser for {@code config}'s hosts and target, connecting through {@code connector}. */
    public HostChooser(PgConnectionConfiguration config, PgConnector connector) {
        this(config, connector::connect, System::nanoTime);
    }

    HostChooser(PgConnectionConfiguration config, Function<PgHost, Mono<PgSession>> connect, LongSupplier nanoClock) {
        this.hosts = config.hosts();
        this.target = config.targetServerType();
        this.shuffle = config.loadBalanceHosts();
        this.checkWithin = config.connectTimeout();
        this.recheckNanos = config.hostRecheckTime().toNanos();
        this.connect = connect;
        this.nanoClock = nanoClock;
    }

    /** A new connection to a host of the target role; lazy; cancelling closes whatever it holds. */
    public Mono<PgSession> connect() {
        return Mono.defer(() -> {
            Attempt attempt = new Attempt();
            return Flux.fromIterable(order())
                    .concatMap(host -> attempt.on(host), 0)
                    .next()
                    .switchIfEmpty(Mono.defer(attempt::fallbackOrFail))
                    .doOnCancel(attempt::closeHeld);
        });
    }

    /**
     * The hosts in the order to try now: good or unknown first, then up but of the wrong role, then down; within
     * each, the configured order or, with loadBalanceHosts, a random one.
     */
    List<PgHost> order() {
        long now = nanoClock.getAsLong();
        List<PgHost> order = new ArrayList<>(hosts);
        if (shuffle) {
            // before the sort, which is stable: random within each rank, the ranks kept
            Collections.shuffle(order, java.util.concurrent.ThreadLocalRandom.current());
        }
        order.sort(Comparator.comparingInt(host -> rank(seen.get(host), now)));
        return order;
    }

    private int rank(@Nullable Seen s, long now) {
        if (s == null || now - s.atNanos() > recheckNanos) {
            return 0;
        }
        switch (s.finding()) {
            case DOWN:
                return 2;
            case PRIMARY:
                return accepts(false) ? 0 : 1;
            default:
                return accepts(true) ? 0 : 1;
        }
    }

    /** Whether a server that is read-only (or not) is what the target takes at once. */
    private boolean accepts(boolean readOnly) {
        switch (target) {
            case PRIMARY:
                return !readOnly;
            case STANDBY:
            case PREFER_STANDBY:
                return readOnly;
            default:
                return true;
        }
    }

    private void found(PgHost host, Finding finding) {
        seen.put(host, new Seen(finding, nanoClock.getAsLong()));
    }

    /** One new connection's way through the hosts. */
    private final class Attempt {

        private final List<String> outcomes = Collections.synchronizedList(new ArrayList<>());
        private final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        // the connection whose role is being checked, and preferStandby's primary kept in reserve
        private final AtomicReference<@Nullable PgSession> checking = new AtomicReference<>();
        private final AtomicReference<@Nullable PgSession> reserve = new AtomicReference<>();

        Mono<PgSession> on(PgHost host) {
            return connect.apply(host)
                    .flatMap(session -> {
                        if (target == PgTargetServerType.ANY) {
                            seen.remove(host);
                            return Mono.just(session);
                        }
                        checking.set(session);
                        return ServerRole.readOnly(session, checkWithin)
                                .flatMap(readOnly -> judge(host, session, readOnly))
                                .onErrorResume(e -> {
                                    checking.compareAndSet(session, null);
                                    return close(session).then(failed(host, e));
                                });
                    })
                    .onErrorResume(e -> failed(host, e));
        }

        private Mono<PgSession> judge(PgHost host, PgSession session, boolean readOnly) {
            found(host, readOnly ? Finding.STANDBY : Finding.PRIMARY);
            if (checking.getAndSet(null) == null) {
                // cancelled meanwhile: closeHeld has closed it
                return Mono.empty();
            }
            if (accepts(readOnly)) {
                PgSession kept = reserve.getAndSet(null);
                return kept == null ? Mono.just(session) : close(kept).thenReturn(session);
            }
            outcomes.add(host + " is " + (readOnly ? "read-only (a standby)" : "the primary (read-write)"));
            if (target == PgTargetServerType.PREFER_STANDBY && reserve.compareAndSet(null, session)) {
                return Mono.empty();
            }
            return close(session).then(Mono.empty());
        }

        private Mono<PgSession> failed(PgHost host, Throwable e) {
            found(host, Finding.DOWN);
            outcomes.add(host + " failed: " + e.getMessage());
            failures.add(e);
            return Mono.empty();
        }

        Mono<PgSession> fallbackOrFail() {
            PgSession kept = reserve.getAndSet(null);
            if (kept != null) {
                return Mono.just(kept);
            }
            return Mono.error(exhausted());
        }

        private R2dbcException exhausted() {
            String message = "no host of " + hosts + " is " + wanted() + ": " + String.join("; ", outcomes);
            Throwable first = failures.isEmpty() ? null : failures.get(0);
            boolean allDenied = !failures.isEmpty()
                    && failures.stream().allMatch(e -> e instanceof R2dbcPermissionDeniedException);
            // every host refusing the login is the login's fault, as on one host: no retry will help
            R2dbcException error = allDenied
                    ? new R2dbcPermissionDeniedException(message, ((R2dbcException) first).getSqlState(), 0,
                    (String) null, first)
                    : new PgConnectionException(message, "08001", first);
            for (int i = 1; i < failures.size(); i++) {
                error.addSuppressed(failures.get(i));
            }
            return error;
        }

        void closeHeld() {
            for (AtomicReference<@Nullable PgSession> held : List.of(checking, reserve)) {
                PgSession session = held.getAndSet(null);
                if (session != null) {
                    close(session).subscribe();
                }
            }
        }
    }

    private String wanted() {
        switch (target) {
            case PRIMARY:
                return "the primary (targetServerType=primary)";
            case STANDBY:
                return "a standby (targetServerType=standby)";
            case PREFER_STANDBY:
                return "a standby or the primary (targetServerType=preferStandby)";
            default:
                return "reachable";
        }
    }

    private static Mono<Void> close(PgSession session) {
        return Mono.from(session.close()).onErrorResume(e -> Mono.empty());
    }
}
