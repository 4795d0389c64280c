package dev.countersign.cluster.approval;

import com.hazelcast.query.Predicate;
import java.time.Instant;
import java.util.Map;

/**
 * A query predicate that admits the approvals pending and not past their expiry at {@code now},
 * evaluated on each candidate entry rather than through the map's indexes. Joined with an indexed
 * equality (the requesting client), the query then reads that client's entries only; with
 * {@code status} and {@code expiresAt} as indexed predicates instead, Hazelcast would intersect the
 * client's entries with every pending, unexpired approval of the partition, so each count grew with
 * the whole cluster's pending approvals. Never throws: a value that is not an approval is not admitted.
 */
final class PendingAt implements Predicate<String, PendingApproval> {
    private static final long serialVersionUID = 1L;
    private final Instant now;

    PendingAt(Instant now) {
        this.now = now;
    }

    @Override
    public boolean apply(Map.Entry<String, PendingApproval> entry) {
        Object value;
        try {
            value = entry.getValue();
        } catch (RuntimeException undeserialisable) {
            return false;
        }
        return value instanceof PendingApproval a && a.status() == ApprovalStatus.PENDING && a.expiresAt() != null && a.expiresAt().isAfter(now);
    }
}
