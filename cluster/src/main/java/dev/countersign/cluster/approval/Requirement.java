package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The groups that must approve, the quorum of distinct approvers per group, and the time to live. */
public record Requirement(List<String> groups, Map<String, Integer> quorum, Duration ttl) implements Serializable {
    public Requirement {
        groups = List.copyOf(groups);
        quorum = Collections.unmodifiableMap(new LinkedHashMap<>(quorum));
    }

    /**
     * Whether an approval meeting this requirement also meets {@code other}: every group of
     * {@code other} is here, with at least its quorum, and this ttl is no longer than its.
     */
    public boolean covers(Requirement other) {
        for (Map.Entry<String, Integer> g : other.quorum().entrySet()) {
            Integer mine = quorum.get(g.getKey());
            if (mine == null || mine < g.getValue()) {
                return false;
            }
        }
        return ttl.compareTo(other.ttl()) <= 0;
    }
}
