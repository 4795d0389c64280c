package dev.countersign.rules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Who must approve a held action: every group named must reach its quorum of distinct approvers
 * before {@code ttl} has passed. Groups are kept sorted so equal requirements are equal values.
 */
public record ApprovalRequirement(List<String> groups, Map<String, Integer> quorum, Duration ttl) {
    public ApprovalRequirement {
        Objects.requireNonNull(ttl, "ttl");
        TreeMap<String, Integer> sorted = new TreeMap<>(quorum);
        groups = Collections.unmodifiableList(new ArrayList<>(sorted.keySet()));
        quorum = Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
    }

    /** One group with its quorum. */
    public static ApprovalRequirement of(String group, int quorum, Duration ttl) {
        return new ApprovalRequirement(List.of(group), Map.of(group, quorum), ttl);
    }

    /** Both requirements at once: every group of either, per group the higher quorum, the shorter ttl. */
    public ApprovalRequirement merge(ApprovalRequirement other) {
        if (other == this || other.equals(this)) {
            return this;
        }
        Duration shorter = ttl.compareTo(other.ttl) <= 0 ? ttl : other.ttl;
        if (quorum.equals(other.quorum)) {
            return shorter == ttl ? this : other;
        }
        Map<String, Integer> merged = new TreeMap<>(quorum);
        other.quorum.forEach((group, q) -> merged.merge(group, q, Math::max));
        return new ApprovalRequirement(List.of(), merged, shorter);
    }
}
