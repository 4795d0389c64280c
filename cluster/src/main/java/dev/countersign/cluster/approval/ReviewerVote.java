package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/**
 * A vote as cast: the reviewer's identity, the groups the reviewer directory puts them in, the
 * choice and comment, when and where it was cast, and a unique id for this cast. Whether it counts is
 * decided against the approval by {@link PendingApproval#vote}; the member that holds the approval
 * sets {@code at} from its own clock ({@link #at(Instant)}) before it does.
 */
public record ReviewerVote(String reviewer, Set<String> reviewerGroups, Choice choice, String comment, Instant at,
                           String node, String channel, String castId) implements Serializable {
    public ReviewerVote {
        reviewerGroups = Set.copyOf(reviewerGroups);
        comment = comment == null ? "" : comment;
    }

    /** A new cast, with an id of its own. */
    public ReviewerVote(String reviewer, Set<String> reviewerGroups, Choice choice, String comment, Instant at, String node,
                        String channel) {
        this(reviewer, reviewerGroups, choice, comment, at, node, channel, UUID.randomUUID().toString());
    }

    /** This cast at {@code instant}. */
    public ReviewerVote at(Instant instant) {
        return new ReviewerVote(reviewer, reviewerGroups, choice, comment, instant, node, channel, castId);
    }
}
