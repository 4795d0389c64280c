package dev.countersign.pdp.decision;

/**
 * What a decision request carries beside the action context: an approval to redeem, and a URL to
 * tell when a held action is decided. Both null for an ordinary request. {@code usesAskGrant}: an
 * action the rules hold, presented without an approval id, uses the grant of its ask's latest
 * approval when that is approved and unused, instead of being held again (an agent retrying the
 * very call it was told to retry; see {@link dev.countersign.pdp.approval.HeldActions}).
 */
public record Envelope(String approvalId, String callbackUrl, boolean usesAskGrant) {
    public static final Envelope NONE = new Envelope(null, null, false);
    /** No approval id: redeem the ask's own approved grant when there is one, else hold (or join what is pending). */
    public static final Envelope ASK_GRANT = new Envelope(null, null, true);

    public Envelope(String approvalId, String callbackUrl) {
        this(approvalId, callbackUrl, false);
    }
}
