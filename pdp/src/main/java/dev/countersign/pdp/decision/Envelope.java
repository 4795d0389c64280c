package dev.countersign.pdp.decision;

/**
 * What a decision request carries beside the action context: an approval to redeem, and a URL to
 * tell when a held action is decided. Both null for an ordinary request.
 */
public record Envelope(String approvalId, String callbackUrl) {
    public static final Envelope NONE = new Envelope(null, null);
}
