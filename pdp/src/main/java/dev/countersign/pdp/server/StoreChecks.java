package dev.countersign.pdp.server;

import dev.countersign.cluster.store.ApprovalDatabase;
import dev.countersign.pdp.http.HealthHandler;
import dev.countersign.pdp.metrics.ServerMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a node reports of its durable approval store: the readiness check {@code store} (down while
 * the store refuses writes: approval changes are refused with 503 {@code store_unavailable} then,
 * while decisions that hold nothing are still answered) and its write and read timings and errors
 * at {@code /metrics}. Reads no database: the store's health is kept current by its own probe.
 */
final class StoreChecks {
    private StoreChecks() {
    }

    /** The {@code store} check of a node with {@code db} (null: approvals are kept in memory only, and the check says so). */
    static HealthHandler.Check check(ApprovalDatabase db) {
        return new HealthHandler.Check("store", () -> {
            if (db == null) {
                return HealthHandler.Status.up(Map.of("kind", "memory", "durable", false));
            }
            ApprovalDatabase.Health h = db.health();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("kind", db.location().dialect().name().toLowerCase());
            details.put("durable", true);
            details.put("writes", db.writes().calls());
            details.put("write_errors", db.writes().errors());
            if (!h.up()) {
                details.put("error", "approval changes are refused until the store answers: " + h.error());
                details.put("down_since", h.since().toString());
                return HealthHandler.Status.down(details);
            }
            return HealthHandler.Status.up(details);
        });
    }

    static void register(ServerMetrics metrics, ApprovalDatabase db) {
        if (db == null) {
            return;
        }
        metrics.functionTimer("countersign_store_writes", "Writes of approval state to the durable store (each change, before it is"
                + " acknowledged), with the time they took", db.writes(), ApprovalDatabase.Timing::calls, ApprovalDatabase.Timing::seconds);
        metrics.functionCounter("countersign_store_write_errors", "Writes the durable store refused or did not answer (the change was"
                + " refused with 503 store_unavailable)", db.writes(), ApprovalDatabase.Timing::errors);
        metrics.functionTimer("countersign_store_reads", "Reads of the durable store (loading approval state at start)",
                db.reads(), ApprovalDatabase.Timing::calls, ApprovalDatabase.Timing::seconds);
        metrics.functionCounter("countersign_store_read_errors", "Reads of the durable store that failed", db.reads(),
                ApprovalDatabase.Timing::errors);
        metrics.gauge("countersign_store_up", "1 while the durable store takes writes, 0 while approval changes are refused",
                () -> db.health().up() ? 1 : 0);
    }
}
