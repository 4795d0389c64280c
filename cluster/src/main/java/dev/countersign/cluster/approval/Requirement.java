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
}
