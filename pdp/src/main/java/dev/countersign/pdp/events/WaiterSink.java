package dev.countersign.pdp.events;

import dev.countersign.cluster.approval.ApprovalEvent;
import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Settlement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Callers waiting for a decision, on every node, as a sink: one message on the clustered event bus
 * ({@value #ADDRESS}) per delivery, naming the approval and its latest event. Waking is idempotent
 * (a woken waiter reads the approval again), so a repeated delivery is harmless.
 */
public final class WaiterSink implements EventSink {
    public static final String ADDRESS = "countersign.approvals.events";

    private final Vertx vertx;
    private final String node;

    public WaiterSink(Vertx vertx, String node) {
        this.vertx = vertx;
        this.node = node;
    }

    @Override
    public boolean serves(String sink) {
        return SinkNames.WAITERS.equals(sink);
    }

    @Override
    public Future<Settlement> deliver(PendingApproval a, Delivery d, List<ApprovalEvent> events) {
        ApprovalEvent last = events.get(events.size() - 1);
        vertx.eventBus().publish(ADDRESS, new JsonObject().put("id", a.id()).put("event", last.type()).put("event_id", last.id(a.id()))
                .put("status", a.status().wireName()).put("node", node));
        return Future.succeededFuture(Settlement.delivered(last.seq()));
    }
}
