package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Instant;

/**
 * How far one sink of an approval's events has got: every event up to {@code delivered} was taken
 * by it; a member delivering the next ones holds a claim until {@code claimedUntil}; a failed attempt
 * is tried again at {@code nextAttempt}; a sink given up for good ({@code failed}) keeps its error.
 * {@code uncertain}: an earlier attempt may have reached the sink without its answer being recorded
 * (a claim lapsed, or an attempt failed in a way that leaves it unknown), so a chat connector looks
 * before it posts again. {@code posted}: the card a chat destination shows, once it was posted.
 */
public record Delivery(String sink, long delivered, int attempts, Instant nextAttempt, String lastError, boolean failed,
                       String claimedBy, Instant claimedUntil, boolean uncertain, PostedRef posted) implements Serializable {

    static Delivery start(String sink, long delivered) {
        return new Delivery(sink, delivered, 0, null, null, false, null, null, false, null);
    }

    /** Whether events after {@code delivered} may be claimed at {@code now}, a claim of one of {@code departed} counting as lapsed. */
    boolean claimable(Instant now, java.util.Set<String> departed) {
        return !failed && (nextAttempt == null || !nextAttempt.isAfter(now))
                && (claimedUntil == null || !claimedUntil.isAfter(now) || departed.contains(claimedBy));
    }

    /** When this sink can next be claimed, given that it has events to take; null when never. */
    Instant dueAt() {
        if (failed) {
            return null;
        }
        Instant due = Instant.EPOCH;
        if (nextAttempt != null && nextAttempt.isAfter(due)) {
            due = nextAttempt;
        }
        if (claimedUntil != null && claimedUntil.isAfter(due)) {
            due = claimedUntil;
        }
        return due;
    }

    /** Whether {@code node} holds the claim at {@code now}. */
    boolean claimedBy(String node, Instant now) {
        return node.equals(claimedBy) && claimedUntil != null && claimedUntil.isAfter(now);
    }

    Delivery claimed(String node, Instant until, Instant now, java.util.Set<String> departed) {
        boolean lapsed = claimedBy != null && claimedUntil != null && (!claimedUntil.isAfter(now) || departed.contains(claimedBy));
        return new Delivery(sink, delivered, attempts, nextAttempt, lastError, failed, node, until, uncertain || lapsed, posted);
    }

    Delivery acked(long upTo, PostedRef card) {
        return new Delivery(sink, Math.max(delivered, upTo), 0, null, null, false, null, null, false, card != null ? card : posted);
    }

    Delivery retryAt(Instant next, String error, boolean mayHaveArrived) {
        return new Delivery(sink, delivered, attempts + 1, next, error, false, null, null, uncertain || mayHaveArrived, posted);
    }

    Delivery failedWith(String error) {
        return new Delivery(sink, delivered, attempts + 1, null, error, true, null, null, uncertain, posted);
    }
}
