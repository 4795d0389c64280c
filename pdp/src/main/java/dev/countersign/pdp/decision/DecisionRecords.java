package dev.countersign.pdp.decision;

import io.vertx.core.Future;
import java.util.Map;

/**
 * Recorded decisions, for {@code GET /v1/decisions/{id}}: kept for a retention time, then forgotten.
 * A record is the audit record of the decision (input already masked).
 */
public interface DecisionRecords {
    /** Keeps {@code record} under {@code decisionId}; does not block. */
    void put(String decisionId, Map<String, Object> record);

    /** Replaces the kept record with its compact JSON, once it is serialised (from any thread). */
    void compact(String decisionId, byte[] json);

    /** The record, or a null result when unknown or expired. */
    Future<Map<String, Object>> get(String decisionId);
}
