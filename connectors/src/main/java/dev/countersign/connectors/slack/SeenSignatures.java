package dev.countersign.connectors.slack;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The signatures of authentic requests received lately, so an identical replay is refused. An entry
 * is kept while its timestamp is still acceptable, after which the age check refuses a replay
 * anyway. At most {@code capacity} entries: when full of entries still in their window, a new
 * request is refused rather than an old one forgotten (forgetting would let that one be replayed);
 * only Slack can make authentic requests, so this takes more than {@code capacity} clicks in five
 * minutes on one node.
 *
 * <p>One node's memory: a replay to another node of a cluster is not seen here (a vote is counted
 * once per reviewer by the workflow regardless).
 */
final class SeenSignatures {
    private final int capacity;
    private final Map<String, Instant> until = new HashMap<>();

    SeenSignatures(int capacity) {
        this.capacity = capacity;
    }

    enum Sight { FIRST, AGAIN, FULL }

    /** Notes {@code signature}, kept until {@code keepUntil}; whether it is new. */
    synchronized Sight note(String signature, Instant keepUntil, Instant now) {
        Instant known = until.get(signature);
        if (known != null && now.isBefore(known)) {
            return Sight.AGAIN;
        }
        if (until.size() >= capacity) {
            until.values().removeIf(u -> !now.isBefore(u));
            if (until.size() >= capacity) {
                return Sight.FULL;
            }
        }
        until.put(signature, keepUntil);
        return Sight.FIRST;
    }

    synchronized int size() {
        return until.size();
    }
}
