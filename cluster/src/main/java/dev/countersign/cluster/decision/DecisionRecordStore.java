package dev.countersign.cluster.decision;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Recorded decisions (their audit records, as JSON), readable from any node for a retention time,
 * in the Hazelcast map {@value #MAP}. Members keep a bounded number each; the oldest go first.
 */
public final class DecisionRecordStore {
    public static final String MAP = "countersign.decisions";

    private final IMap<String, byte[]> records;

    public DecisionRecordStore(HazelcastInstance hazelcast) {
        this.records = hazelcast.getMap(MAP);
    }

    public CompletionStage<Void> put(String decisionId, byte[] json, Duration retention) {
        return records.setAsync(decisionId, json, retention.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The record, or null when unknown or expired. */
    public CompletionStage<byte[]> get(String decisionId) {
        return records.getAsync(decisionId);
    }
}
