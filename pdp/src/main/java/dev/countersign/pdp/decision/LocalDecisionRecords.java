package dev.countersign.pdp.decision;

import dev.countersign.rules.json.Json;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
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
    /** A record held here. {@code origin} is null for this node's own; else the member that shipped the replica. */
    private static final class Entry {
        final String id;
        final long expiresAt;
        final long seq;
        /** The record's map until it is serialised, then its JSON as a {@link RecordArena.Slice}. */
        Object record;
        String origin;

        Entry(String id, long expiresAt, long seq, Object record, String origin) {
            this.id = id;
            this.expiresAt = expiresAt;
            this.seq = seq;
            this.record = record;
            this.origin = origin;
        }
    }

    private final Duration retention;
    private final int maxRecords;
    private final Clock clock;
    private final HashMap<String, Entry> records = new HashMap<>();
    private final RecordArena arena = new RecordArena();
    /**
     * Every held entry is in one of two expiry orders (the first to expire first, ties the first kept):
     * those kept in expiry order (a node's own records, as a rule) in a queue, at no cost; the others
     * (replicas that expire before the latest kept) in a heap.
     */
    private final ArrayDeque<Entry> inOrder = new ArrayDeque<>();
    private final PriorityQueue<Entry> outOfOrder = new PriorityQueue<>(LocalDecisionRecords::compare);
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
            Entry old = records.get(decisionId);
            if (old != null) {
                remove(old);
            }
            add(new Entry(decisionId, now + retention.toMillis(), seq++, record, null));
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
            Entry e = records.get(decisionId);
            if (e == null || e.origin != null) {
                return -1;
            }
            e.record = arena.keep(json);
            return e.expiresAt;
        }
    }

    @Override
    public Future<Map<String, Object>> get(String decisionId) {
        Object record;
        boolean replica;
        synchronized (records) {
            Entry e = records.get(decisionId);
            if (e == null || e.expiresAt <= clock.millis()) {
                return Future.succeededFuture(null);
            }
            record = e.record;
            replica = e.origin != null;
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
                Entry e = records.get(decisionId);
                if (e != null && e.record == record) {
                    remove(e);
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
            Entry e = records.get(decisionId);
            return e != null && e.expiresAt > clock.millis();
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
                Entry held = records.get(r.decisionId());
                if (held != null) {
                    if (held.origin != null) {
                        held.origin = origin;
                    }
                } else {
                    add(new Entry(r.decisionId(), expiresAt, seq++, arena.keep(r.json()), origin));
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
            for (Entry e : records.values()) {
                if (e.origin != null && departed.contains(e.origin)) {
                    e.origin = null;
                    replicas--;
                    adopted.add(new ReplicaBatch.Replica(e.id, e.expiresAt, ((RecordArena.Slice) e.record).copy()));
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
            for (Entry e : records.values()) {
                if (e.origin == null && e.record instanceof RecordArena.Slice json && e.expiresAt > now) {
                    own.add(new ReplicaBatch.Replica(e.id, e.expiresAt, json.copy()));
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

    private static int compare(Entry a, Entry b) {
        return a.expiresAt != b.expiresAt ? Long.compare(a.expiresAt, b.expiresAt) : Long.compare(a.seq, b.seq);
    }

    private void add(Entry e) {
        records.put(e.id, e);
        Entry last = inOrder.peekLast();
        if (last == null || compare(last, e) <= 0) {
            inOrder.addLast(e);
        } else {
            outOfOrder.add(e);
        }
        if (e.origin != null) {
            replicas++;
        }
    }

    /** Removes {@code e} from anywhere in the orders (not the common path: eviction takes the first). */
    private void remove(Entry e) {
        records.remove(e.id);
        if (!inOrder.removeFirstOccurrence(e)) {
            outOfOrder.remove(e);
        }
        if (e.origin != null) {
            replicas--;
        }
    }

    private void evict(long now) {
        while (true) {
            Entry a = inOrder.peekFirst();
            Entry b = outOfOrder.peek();
            Entry first = a == null ? b : b == null || compare(a, b) <= 0 ? a : b;
            if (first == null || (records.size() <= maxRecords && first.expiresAt > now)) {
                return;
            }
            if (first == a) {
                inOrder.pollFirst();
            } else {
                outOfOrder.poll();
            }
            records.remove(first.id);
            if (first.origin != null) {
                replicas--;
            }
        }
    }
}
