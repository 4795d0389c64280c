package dev.countersign.pdp.decision;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decision records of this node only, in memory: at most {@code maxRecords}, each for at most
 * {@code retention}; the oldest go first.
 */
public final class LocalDecisionRecords implements DecisionRecords {
    private record Entry(Map<String, Object> record, long expiresAt) {
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
    public Future<Map<String, Object>> get(String decisionId) {
        Entry e;
        synchronized (records) {
            e = records.get(decisionId);
        }
        return Future.succeededFuture(e == null || e.expiresAt <= clock.millis() ? null : e.record);
    }
}
