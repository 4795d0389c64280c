package dev.countersign.pdp.decision;

import dev.countersign.rules.json.Json;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The decision records this node holds, in memory: its own (decided here, or adopted from a member
 * that left) and replicas of other members' records. Together at most {@code maxRecords}; each
 * forgotten once its retention is over (a replica keeps the expiry its deciding node gave it, never
 * more than {@code retention} from its arrival here), and the records that expire first go first
 * when room is needed. A record is kept as its map until it is serialised for the audit log, then as
 * that compact JSON in a {@link RecordArena} (a tenth of the memory, and nothing for the collector to
 * trace or copy); a replica arrives as that JSON.
 */
public final class LocalDecisionRecords implements DecisionRecords {
    private final Duration retention;
    private final int maxRecords;
    private final Clock clock;
    /** Guarded by itself. */
    private final RecordSlots records = new RecordSlots();
    private long seq;
    private int replicas;
    private long malformed;

    public LocalDecisionRecords(Duration retention, int maxRecords, Clock clock) {
        this.retention = retention;
        this.maxRecords = maxRecords;
        this.clock = clock;
    }

    public int maxRecords() {
        return maxRecords;
    }

    @Override
    public void put(String decisionId, Map<String, Object> record) {
        long now = clock.millis();
        synchronized (records) {
            int old = records.find(decisionId);
            if (old >= 0) {
                remove(old);
            }
            records.add(decisionId, now + retention.toMillis(), seq++, record, null);
            evict(now);
        }
    }

    @Override
    public void compact(String decisionId, byte[] json) {
        compacted(decisionId, json);
    }

    /**
     * As {@link #compact}; answers the record's expiry when it is this node's own (so it is this
     * node's to replicate), else -1.
     */
    long compacted(String decisionId, byte[] json) {
        synchronized (records) {
            int s = records.find(decisionId);
            if (s < 0 || records.origin(s) != null) {
                return -1;
            }
            records.setRecord(s, json);
            return records.expiresAt(s);
        }
    }

    @Override
    public Future<Map<String, Object>> get(String decisionId) {
        Object record;
        boolean replica;
        synchronized (records) {
            int s = records.find(decisionId);
            if (s < 0 || records.expiresAt(s) <= clock.millis()) {
                return Future.succeededFuture(null);
            }
            record = records.record(s);
            replica = records.origin(s) != null;
        }
        if (!(record instanceof RecordArena.Slice json)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) record;
            return Future.succeededFuture(map);
        }
        Map<String, Object> parsed;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> read = (Map<String, Object>) Json.MAPPER.readValue(json.chunk(), json.offset(), json.length(), Map.class);
            parsed = read;
        } catch (IOException ex) {
            if (!replica) {
                return Future.failedFuture(ex);
            }
            parsed = null;
        }
        if (replica && (parsed == null || !decisionId.equals(parsed.get("decision_id")))) {
            synchronized (records) {   // a replica that is not the record of its id is no record: forget it
                int s = records.find(decisionId);
                if (s >= 0 && records.record(s) instanceof RecordArena.Slice held && held.chunk() == json.chunk()
                        && held.offset() == json.offset()) {
                    remove(s);
                    malformed++;
                }
            }
            return Future.succeededFuture(null);
        }
        return Future.succeededFuture(parsed);
    }

    /** Whether this node holds an unexpired record of {@code decisionId} (its own or a replica). */
    public boolean holds(String decisionId) {
        synchronized (records) {
            int s = records.find(decisionId);
            return s >= 0 && records.expiresAt(s) > clock.millis();
        }
    }

    /**
     * Keeps {@code shipped} as replicas of {@code origin}'s records. A record this node holds as its
     * own stays so; one it holds as a replica is now {@code origin}'s. Answers how many it kept.
     */
    public int keepReplicas(String origin, List<ReplicaBatch.Replica> shipped) {
        long now = clock.millis();
        long latest = now + retention.toMillis();
        int kept = 0;
        synchronized (records) {
            for (ReplicaBatch.Replica r : shipped) {
                long expiresAt = Math.min(r.expiresAt(), latest);
                if (expiresAt <= now) {
                    continue;
                }
                int held = records.find(r.decisionId());
                if (held >= 0) {
                    if (records.origin(held) != null) {
                        records.setOrigin(held, origin);
                    }
                } else {
                    records.add(r.decisionId(), expiresAt, seq++, r.json(), origin);
                    replicas++;
                }
                kept++;
            }
            evict(now);
        }
        return kept;
    }

    /**
     * Makes the replicas shipped by any of {@code departed} this node's own (their members are gone,
     * so this node replicates them now), and answers them.
     */
    public List<ReplicaBatch.Replica> adopt(Set<String> departed) {
        List<ReplicaBatch.Replica> adopted = new ArrayList<>();
        synchronized (records) {
            for (int s = 0; s < records.limit(); s++) {
                if (records.used(s) && records.origin(s) != null && departed.contains(records.origin(s))) {
                    records.setOrigin(s, null);
                    replicas--;
                    adopted.add(new ReplicaBatch.Replica(records.decisionId(s), records.expiresAt(s), records.jsonCopy(s)));
                }
            }
        }
        return adopted;
    }

    /** This node's own records that are serialised (the others are replicated once they are), to ship to a new backup. */
    public List<ReplicaBatch.Replica> own() {
        List<ReplicaBatch.Replica> own = new ArrayList<>();
        long now = clock.millis();
        synchronized (records) {
            for (int s = 0; s < records.limit(); s++) {
                if (records.used(s) && records.origin(s) == null && records.expiresAt(s) > now) {
                    byte[] json = records.jsonCopy(s);
                    if (json != null) {
                        own.add(new ReplicaBatch.Replica(records.decisionId(s), records.expiresAt(s), json));
                    }
                }
            }
        }
        return own;
    }

    /** Forgets every record whose retention is over. */
    public void sweep() {
        long now = clock.millis();
        synchronized (records) {
            evict(now);
        }
    }

    /** Records held, own and replicas. */
    public int size() {
        synchronized (records) {
            return records.size();
        }
    }

    /** Replicas of other members' records held. */
    public int replicas() {
        synchronized (records) {
            return replicas;
        }
    }

    /** Replicas forgotten because they were not the JSON record of their id. */
    public long malformed() {
        synchronized (records) {
            return malformed;
        }
    }

    private void remove(int s) {
        if (records.origin(s) != null) {
            replicas--;
        }
        records.remove(s);
    }

    private void evict(long now) {
        while (true) {
            int first = records.first();
            if (first < 0 || (records.size() <= maxRecords && records.expiresAt(first) > now)) {
                return;
            }
            remove(first);
        }
    }
}
