package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Instant;

/**
 * What one claimed delivery to a sink came to, as its claimer reports it: the events up to
 * {@code upTo} taken (and, for a chat destination that posted its card, where it is); an attempt to
 * try again at {@code retryAt}, noting whether it may have reached the sink anyway; or the sink given
 * up for good. A settlement from a member that no longer holds the claim changes nothing.
 */
public record Settlement(Kind kind, long upTo, PostedRef posted, Instant retryAt, String error, boolean mayHaveArrived)
        implements Serializable {

    public enum Kind { DELIVERED, RETRY, FAILED }

    public static Settlement delivered(long upTo) {
        return new Settlement(Kind.DELIVERED, upTo, null, null, null, false);
    }

    /** Delivered, the sink's card now at {@code posted} (a post recorded as a {@value ApprovalEvent#POSTED} event). */
    public static Settlement delivered(long upTo, PostedRef posted) {
        return new Settlement(Kind.DELIVERED, upTo, posted, null, null, false);
    }

    public static Settlement retry(Instant at, String error, boolean mayHaveArrived) {
        return new Settlement(Kind.RETRY, 0, null, at, error, mayHaveArrived);
    }

    /** Given up for good (recorded as a {@value ApprovalEvent#DELIVERY_FAILED} event). */
    public static Settlement failed(String error) {
        return new Settlement(Kind.FAILED, 0, null, null, error, false);
    }

    /** Every field, for signing. */
    Object[] params() {
        return new Object[] {kind.name(), upTo, posted == null ? null : posted.conversation(), posted == null ? null : posted.messageId(),
                retryAt, error, mayHaveArrived};
    }
}
