package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One change of an approval, recorded inside the approval's own entry by the very transition that
 * made it, so it is atomic with the change and backed up with it: numbered from 1 per approval
 * ({@code seq}), timed by the holder's clock, with what a receiver needs to know of it. Its id,
 * {@code <approval id>:<seq>}, is the same wherever and however often it is delivered: receivers
 * de-duplicate by it.
 */
public record ApprovalEvent(long seq, String type, Instant at, Map<String, String> details) implements Serializable {
    public static final String CREATED = "created";
    public static final String VOTE = "vote";
    public static final String APPROVED = "approved";
    public static final String DENIED = "denied";
    public static final String EXPIRED = "expired";
    public static final String REDEEMED = "redeemed";
    /** The executor of a redeemed action reported how it went (once per redeeming decision). */
    public static final String OUTCOME = "outcome";
    public static final String REMINDER = "reminder";
    /** A chat card posted (details: destination, conversation, message). */
    public static final String POSTED = "card_posted";
    /** A destination given up for good (details: destination, error). */
    public static final String DELIVERY_FAILED = "delivery_failed";

    public ApprovalEvent {
        details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** The id receivers de-duplicate by. */
    public String id(String approvalId) {
        return approvalId + ":" + seq;
    }

    /** Whether this event decided the approval. */
    public boolean isOutcome() {
        return type.equals(APPROVED) || type.equals(DENIED) || type.equals(EXPIRED);
    }
}
