package io.tidepool.replica;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What the last lag check found on one standby.
 *
 * @param pool the standby pool's name
 * @param lag how far the standby's replay is behind: zero when it has replayed all it received, else the time since
 *            the last transaction it replayed ({@code now() - pg_last_xact_replay_timestamp()}); empty before the first
 *            check and when the check failed
 * @param inRotation whether read-only work goes to it now
 * @param inRecovery whether it is still a standby ({@code pg_is_in_recovery()}); false once promoted
 * @param error why the last check failed, without password or URL; empty when it answered
 * @param checkedAt when the last check ended; empty before the first
 */
public record ReplicaStatus(String pool, Optional<Duration> lag, boolean inRotation, boolean inRecovery,
                            Optional<String> error, Optional<Instant> checkedAt) {
}
