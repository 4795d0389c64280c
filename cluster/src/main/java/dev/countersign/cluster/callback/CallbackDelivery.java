package dev.countersign.cluster.callback;

import java.io.Serializable;
import java.time.Instant;

/**
 * One outcome to POST to one callback URL: the body to send (signed when sent), how often it was
 * tried, when to try next, the last error, the node holding it while it is being sent, and the
 * {@link dev.countersign.cluster.approval.ApprovalSeal} of all that (a delivery that was not sealed by
 * a member is never sent: it would carry the server's signature to wherever its forger pointed it).
 */
public record CallbackDelivery(String id, String approvalId, String url, String body, int attempts, Instant nextAttempt,
                               String lastError, String claimedBy, Instant claimedUntil, String seal) implements Serializable {

    public static CallbackDelivery first(String id, String approvalId, String url, String body, Instant now) {
        return new CallbackDelivery(id, approvalId, url, body, 0, now, null, null, null, null);
    }

    public CallbackDelivery sealedWith(String value) {
        return new CallbackDelivery(id, approvalId, url, body, attempts, nextAttempt, lastError, claimedBy, claimedUntil, value);
    }

    CallbackDelivery claimed(String node, Instant until) {
        return new CallbackDelivery(id, approvalId, url, body, attempts, nextAttempt, lastError, node, until, null);
    }

    CallbackDelivery retryAt(Instant next, String error) {
        return new CallbackDelivery(id, approvalId, url, body, attempts + 1, next, error, null, null, null);
    }
}
