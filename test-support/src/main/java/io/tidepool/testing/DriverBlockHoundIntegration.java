package io.tidepool.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound must tolerate in the driver and in test infrastructure, each with its reason. Loaded by ServiceLoader when
 * blockhound-junit-platform installs BlockHound for the tests.
 */
public final class DriverBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // r2dbc-postgresql's SCRAM login draws its nonce from SecureRandom, which reads /dev/urandom on the event
        // loop: a file read that never waits on Linux once the kernel's pool is seeded (found by CredentialsTests)
        builder.allowBlockingCallsInside("com.ongres.scram.common.ScramFunctions", "nonce");
        // r2dbc-postgresql builds a new SslContext, reading the root certificate file, on the event loop for every
        // TLS connection it opens (found by TlsTests): once per connection, never per query; a driver issue
        builder.allowBlockingCallsInside("io.netty.handler.ssl.SslContextBuilder", "build");
        // reactor-test's VirtualTimeScheduler keeps its timers in a PriorityBlockingQueue whose lock an event loop may
        // wait on for a moment when it arms or cancels a timer; test infrastructure only (found by UpkeepTests)
        builder.allowBlockingCallsInside("reactor.test.scheduler.VirtualTimeScheduler$TimedRunnable", "dispose");
        builder.allowBlockingCallsInside("reactor.test.scheduler.VirtualTimeScheduler$VirtualTimeWorker",
                "doScheduleAtTime");
        builder.allowBlockingCallsInside("reactor.test.scheduler.VirtualTimeScheduler$VirtualTimeWorker",
                "schedulePeriodically");
        // Reactor's parallel scheduler keeps its timers in a ScheduledThreadPoolExecutor, whose queue lock an event
        // loop may wait on for a moment when it cancels a timer (the pool's upkeep task disposed as a start ends). The
        // error BlockHound throws from inside that lock's acquire abandons a node in its wait queue, and the
        // scheduler's workers then wait behind it for good: every later timer of the run stalled (found by
        // LifecycleTests in CI, where the tests after it failed waiting for timeouts and closes)
        builder.allowBlockingCallsInside("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue",
                "remove");
        builder.allowBlockingCallsInside("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue",
                "offer");
        // the tests' logback console appender writes under a lock, which an event loop logging (a WARN on a return)
        // may wait on while another thread writes a line; the same error thrown there failed a connection in the
        // middle of PgBouncerTests' mixed load once (08006 "Blocking call! Unsafe#park"); test logging only
        builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes");
    }
}
