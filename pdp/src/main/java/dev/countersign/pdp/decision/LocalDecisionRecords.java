package dev.countersign.pdp.decision;

import dev.countersign.rules.json.Json;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decision records of this node only, in memory: at most {@code maxRecords}, each for at most
 * {@code retention}; the oldest go first. A record is kept as its map until it is serialised for the
 * audit log, then as that compact JSON (a tenth of the memory, and nothing for the collector to trace).
 */
public final class LocalDecisionRecords implements DecisionRecords {
    /** A record as a map, or as its compact JSON. */
    private record Entry(Object record, long expiresAt) {
    }

    private final Duration retention;
    private final int maxRecords;
    private final Clock clock;
    private final LinkedHashMap<String, Entry> records = new LinkedHashMap<>();

    public LocalDecisionRecords(Duration retention, int maxRecords, Clock clock) {
        this.retention = retention;
        this.maxRecords = maxRecords;
        this.clock = clock;
    }

    @Override
    public void put(String decisionId, Map<String, Object> record) {
        long now = clock.millis();
        synchronized (records) {
            records.put(decisionId, new Entry(record, now + retention.toMillis()));
            Iterator<Entry> oldest = records.values().iterator();
            while (oldest.hasNext()) {
                Entry e = oldest.next();
                if (records.size() > maxRecords || e.expiresAt <= now) {
                    oldest.remove();
                } else {
                    break;
                }
            }
        }
    }

    @Override
    public void compact(String decisionId, byte[] json) {
        synchronized (records) {
            Entry e = records.get(decisionId);
            if (e != null) {
                records.put(decisionId, new Entry(json, e.expiresAt));
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Future<Map<String, Object>> get(String decisionId) {
        Entry e;
        synchronized (records) {
            e = records.get(decisionId);
        }
        if (e == null || e.expiresAt <= clock.millis()) {
            return Future.succeededFuture(null);
        }
        if (e.record instanceof byte[] json) {
            try {
                return Future.succeededFuture((Map<String, Object>) Json.MAPPER.readValue(json, Map.class));
            } catch (IOException ex) {
                return Future.failedFuture(ex);
            }
        }
        return Future.succeededFuture((Map<String, Object>) e.record);
    }
}
