package dev.countersign.pdp.decision;

import dev.countersign.cluster.decision.DecisionRecordStore;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Decision records shared by the cluster: any node answers {@code GET /v1/decisions/{id}} for the retention time. */
public final class ClusterDecisionRecords implements DecisionRecords {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDecisionRecords.class);

    private final Vertx vertx;
    private final DecisionRecordStore store;
    private final Duration retention;

    public ClusterDecisionRecords(Vertx vertx, DecisionRecordStore store, Duration retention) {
        this.vertx = vertx;
        this.store = store;
        this.retention = retention;
    }

    @Override
    public void put(String decisionId, Map<String, Object> record) {
        byte[] json = Json.write(g -> JsonValues.write(g, record, false));
        store.put(decisionId, json, retention).whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.warn("decision {} could not be recorded in the cluster: {}", decisionId, failure.toString());
            }
        });
    }

    @Override
    @SuppressWarnings("unchecked")
    public Future<Map<String, Object>> get(String decisionId) {
        return Future.fromCompletionStage(store.get(decisionId), vertx.getOrCreateContext()).map(json -> {
            if (json == null) {
                return null;
            }
            try {
                return (Map<String, Object>) Json.MAPPER.readValue(json, Map.class);
            } catch (IOException e) {
                throw new IllegalStateException("a stored decision record is not JSON", e);
            }
        });
    }
}
