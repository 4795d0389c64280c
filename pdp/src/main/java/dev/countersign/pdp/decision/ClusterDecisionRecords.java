package dev.countersign.pdp.decision;

import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decision records answered by any node: each node keeps the records of the decisions it made
 * ({@link LocalDecisionRecords}, bounded, for the retention time), and a node that does not have a
 * record asks every other node for it over the clustered event bus. Keeping every decision in the
 * cluster's shared maps instead cost more than deciding it; the durable record of every decision is
 * the audit log, and held actions are kept in the cluster with their decision (the approvals).
 */
public final class ClusterDecisionRecords implements DecisionRecords, AutoCloseable {
    private static final String ADDRESS = "countersign.decisions.";
    private static final long ASK_TIMEOUT_MILLIS = 3_000;

    private final Vertx vertx;
    private final LocalDecisionRecords local;
    private final ClusterManager cluster;
    private final MessageConsumer<String> answering;

    public ClusterDecisionRecords(Vertx vertx, LocalDecisionRecords local) {
        this.vertx = vertx;
        this.local = local;
        this.cluster = ((VertxInternal) vertx).clusterManager();
        this.answering = vertx.eventBus().consumer(ADDRESS + cluster.getNodeId(), message -> local.get(message.body())
                .onSuccess(record -> message.reply(record == null ? null : Buffer.buffer(Json.write(g -> JsonValues.write(g, record, false)))))
                .onFailure(failure -> message.fail(500, failure.toString())));
    }

    @Override
    public void put(String decisionId, Map<String, Object> record) {
        local.put(decisionId, record);
    }

    @Override
    public void compact(String decisionId, byte[] json) {
        local.compact(decisionId, json);
    }

    @Override
    public Future<Map<String, Object>> get(String decisionId) {
        return local.get(decisionId).compose(record -> record != null ? Future.succeededFuture(record) : askOthers(decisionId));
    }

    /** The first record another node answers with, or a null result when none has it. */
    @SuppressWarnings("unchecked")
    private Future<Map<String, Object>> askOthers(String decisionId) {
        List<String> others = new ArrayList<>(cluster.getNodes());
        others.remove(cluster.getNodeId());
        if (others.isEmpty()) {
            return Future.succeededFuture(null);
        }
        Promise<Map<String, Object>> found = Promise.promise();
        AtomicInteger pending = new AtomicInteger(others.size());
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MILLIS);
        for (String node : others) {
            vertx.eventBus().<Buffer>request(ADDRESS + node, decisionId, options).onComplete(reply -> {
                if (reply.succeeded() && reply.result().body() != null) {
                    try {
                        found.tryComplete(Json.MAPPER.readValue(reply.result().body().getBytes(), Map.class));
                    } catch (IOException e) {
                        found.tryFail(e);
                    }
                }
                if (pending.decrementAndGet() == 0) {
                    found.tryComplete(null);
                }
            });
        }
        return found.future();
    }

    @Override
    public void close() {
        answering.unregister();
    }
}
