package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Instant;
import java.util.Set;

/**
 * A vote as cast: the reviewer's identity, the groups the reviewer directory puts them in, the
 * choice and comment, when and where it was cast. Whether it counts is decided against the approval
 * by {@link PendingApproval#vote}.
 */
public record ReviewerVote(String reviewer, Set<String> reviewerGroups, Choice choice, String comment, Instant at,
                           String node, String channel) implements Serializable {
    public ReviewerVote {
        reviewerGroups = Set.copyOf(reviewerGroups);
        comment = comment == null ? "" : comment;
    }
}
