package dev.countersign.pdp.server;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.store.ApprovalDatabase;
import dev.countersign.cluster.store.StoreLocation;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.HealthHandler;
import dev.countersign.pdp.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's durable approval store: opened and migrated before the node joins its cluster, loaded
 * (off the event loop) before it answers, and what it reports: the readiness check {@code store} (down while
 * the store refuses writes: approval changes are refused with 503 {@code store_unavailable} then,
 * while decisions that hold nothing are still answered) and its write and read timings and errors
 * at {@code /metrics}. Reads no database: the store's health is kept current by its own probe.
 */
final class NodeStore {
    private static final Logger LOG = LoggerFactory.getLogger(NodeStore.class);

    private NodeStore() {
    }

    /**
     * The durable approval store of a node with {@code config}, its schema migrated; null when approvals
     * are kept in memory only. Connects to a database: call it before any event loop runs.
     */
    static ApprovalDatabase open(ServerConfig config) {
        StoreLocation location = config.store().resolve(config.dataDir(), config.cluster());
        if (location == null) {
            LOG.warn("approvals are kept in memory only (store: kind memory): they do not survive a restart of every member");
            return null;
        }
        ApprovalDatabase db = ApprovalDatabase.open(location, Clock.systemUTC());
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw new IllegalStateException("cannot open the approval store (" + location.describe() + "): " + e.getMessage(), e);
        }
        return db;
    }

    /**
     * Waits, on a worker, until the cluster has loaded approval state from {@code store} (the first
     * member to use it loads every row; the others find it loaded), so nothing is answered before.
     */
    static Future<Void> loaded(Vertx vertx, HazelcastInstance hazelcast, ApprovalDatabase store) {
        if (store == null) {
            return Future.succeededFuture();
        }
        return vertx.<Void>executeBlocking(() -> {
            hazelcast.getMap(HazelcastApprovalStore.APPROVALS).size();
            hazelcast.getMap(HazelcastApprovalStore.ASKS).size();
            return null;
        }, false).recover(failure -> {
            vertx.close();
            return Future.failedFuture(new IllegalStateException("cannot load approvals from the approval store ("
                    + store.location().describe() + "): " + failure.getMessage(), failure));
        });
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
