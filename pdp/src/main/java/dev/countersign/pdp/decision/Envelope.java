package dev.countersign.pdp.decision;

/**
 * What a decision request carries beside the action context: an approval to redeem, and a URL to
 * tell when a held action is decided. Both null for an ordinary request. {@code usesAskGrant}: an
 * action the rules hold, presented without an approval id, uses the grant of its ask's latest
 * approval when that is approved and unused, instead of being held again (an agent retrying the
 * very call it was told to retry; see {@link dev.countersign.pdp.approval.HeldActions}).
 */
public record Envelope(String approvalId, String callbackUrl, boolean usesAskGrant, java.util.Set<String> unboundContext) {
    public static final Envelope NONE = new Envelope(null, null, false, java.util.Set.of());
    /** No approval id: redeem the ask's own approved grant when there is one, else hold (or join what is pending). */
    public static final Envelope ASK_GRANT = new Envelope(null, null, true, java.util.Set.of());

    /**
     * @param unboundContext context attributes recorded with the decision but left out of the hash
     *                       that binds an approval to its action (an MCP session id: the same call
     *                       retried in a new session is the same ask, and redeems the same grant)
     */
    public Envelope {
        unboundContext = java.util.Set.copyOf(unboundContext);
    }

    public Envelope(String approvalId, String callbackUrl) {
        this(approvalId, callbackUrl, false, java.util.Set.of());
    }

    /** This envelope, with {@code attributes} left out of the binding hash. */
    public Envelope unbinding(java.util.Set<String> attributes) {
        return new Envelope(approvalId, callbackUrl, usesAskGrant, attributes);
    }
}
