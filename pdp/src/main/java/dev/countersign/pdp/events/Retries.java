package dev.countersign.pdp.events;

import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.Settlement;
import dev.countersign.connectors.ConnectorFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed delivery is tried again: exponential backoff from one second, capped, with jitter so
 * that sinks failing together do not retry together; a platform's own {@code Retry-After} when it
 * gave one; never for a failure the platform calls permanent.
 */
public final class Retries {
    private Retries() {
    }

    /** The wait before attempt {@code attempts + 1}: 1 s, 2 s, 4 s … up to {@code cap}, ±20 %. */
    public static Duration backoff(int attempts, Duration cap) {
        long base = Math.min(cap.toMillis(), 1000L << Math.min(Math.max(attempts, 0), 20));
        long jitter = (long) (base * 0.2 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
        return Duration.ofMillis(Math.max(500, base + jitter));
    }

    /**
     * The settlement of a delivery that failed with {@code failure}: given up when the failure is
     * permanent or {@code maxAttempts} (when positive) are spent, else a retry.
     *
     * @param mayHaveArrived whether a transient failure can leave it unknown if the sink got it (a timeout after sending)
     */
    public static Settlement after(Throwable failure, Delivery d, Clock clock, Duration cap, int maxAttempts, boolean mayHaveArrived) {
        String error = describe(failure);
        if (failure instanceof ConnectorFailure f) {
            if (f.isPermanent()) {
                return Settlement.failed(error);
            }
            if (f.retryAfter().isPresent()) {
                return Settlement.retry(clock.instant().plus(f.retryAfter().get()), error, false);
            }
        }
        if (maxAttempts > 0 && d.attempts() + 1 >= maxAttempts) {
            return Settlement.failed(error + " (given up after " + (d.attempts() + 1) + " attempts)");
        }
        return Settlement.retry(clock.instant().plus(backoff(d.attempts(), cap)), error, mayHaveArrived);
    }

    /** A failure as one line, without a stack trace: what the delivery state and the log show. */
    public static String describe(Throwable failure) {
        if (failure instanceof ConnectorFailure f) {
            return f.code() + ": " + f.getMessage();
        }
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
    }
}
