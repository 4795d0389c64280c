package dev.countersign.cluster.callback;

import java.io.Serializable;
import java.time.Instant;

/**
 * One outcome to POST to one callback URL: the body to send (signed when sent), how often it was
 * tried, when to try next, the last error, and the node holding it while it is being sent.
 */
public record CallbackDelivery(String id, String approvalId, String url, String body, int attempts, Instant nextAttempt,
                               String lastError, String claimedBy, Instant claimedUntil) implements Serializable {

    public static CallbackDelivery first(String id, String approvalId, String url, String body, Instant now) {
        return new CallbackDelivery(id, approvalId, url, body, 0, now, null, null, null);
    }

    CallbackDelivery claimed(String node, Instant until) {
        return new CallbackDelivery(id, approvalId, url, body, attempts, nextAttempt, lastError, node, until);
    }

    CallbackDelivery retryAt(Instant next, String error) {
        return new CallbackDelivery(id, approvalId, url, body, attempts + 1, next, error, null, null);
    }
}
