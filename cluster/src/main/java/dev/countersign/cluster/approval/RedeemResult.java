package dev.countersign.cluster.approval;

import java.io.Serializable;

/**
 * What came of presenting an approval as a grant: granted exactly once, or refused with the reason;
 * the approval after it, and the status it moved to (an approval found past its expiry expires).
 */
public record RedeemResult(boolean granted, String reason, PendingApproval approval, ApprovalStatus transition)
        implements Serializable {
}
