package dev.countersign.pdp.events;

import dev.countersign.cluster.approval.ApprovalEvent;
import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Settlement;
import dev.countersign.pdp.approval.ApprovalJson;
import dev.countersign.pdp.decision.AuditTrail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit log as a sink: one record per event, {@code "type": "approval"}, naming who asked
 * ({@code actor}, {@code on_behalf_of}), the action, and the rules that held the approval with their
 * controls ({@code rules}, {@code controls}), so that each record can be found alone; its {@code event_id}
 * ({@code <approval id>:<seq>}) the receiver's de-duplication key, acknowledged only once the record
 * is forced to the device. A record this node queued once is not queued again for a retried delivery
 * (it is still waiting in the log, or written); a record may be written twice only across the death
 * of the node that wrote it first, in the instant between writing and acknowledging, and then by
 * two nodes under the same event id.
 */
public final class AuditSink implements EventSink {
    /** The most event ids this node remembers having queued. */
    static final int REMEMBERED = 100_000;

    private final Vertx vertx;
    private final AuditTrail audit;
    private final String node;
    private final Clock clock;
    private final Set<String> queued = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    }));

    public AuditSink(Vertx vertx, AuditTrail audit, String node, Clock clock) {
        this.vertx = vertx;
        this.audit = audit;
        this.node = node;
        this.clock = clock;
    }

    @Override
    public boolean serves(String sink) {
        return SinkNames.AUDIT.equals(sink);
    }

    @Override
    public Future<Settlement> deliver(PendingApproval a, Delivery d, List<ApprovalEvent> events) {
        for (ApprovalEvent e : events) {
            String id = e.id(a.id());
            if (queued.add(id) && !audit.append(record(a, e))) {
                queued.remove(id);
                return Future.succeededFuture(Settlement.retry(clock.instant().plus(Retries.backoff(d.attempts(), Duration.ofMinutes(1))),
                        "the audit log dropped the record of " + id + " (too many records waiting)", false));
            }
        }
        long upTo = events.get(events.size() - 1).seq();
        return Future.fromCompletionStage(audit.written(), vertx.getOrCreateContext())
                .map(written -> Settlement.delivered(upTo))
                .otherwise(failure -> Settlement.retry(clock.instant().plus(Retries.backoff(d.attempts(), Duration.ofMinutes(1))),
                        Retries.describe(failure), false));
    }

    /** The audit record of event {@code e} of {@code a}. */
    Map<String, Object> record(PendingApproval a, ApprovalEvent e) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "approval");
        r.put("event", e.type());
        r.put("event_id", e.id(a.id()));
        r.put("approval_id", a.id());
        r.put("time", e.at().toString());
        r.put("node", node);
        Map<String, String> details = e.details();
        r.put("status", details.getOrDefault("status", a.status().wireName()));
        r.put("actor", a.requester().actorId());
        if (a.requester().onBehalfOf() != null) {
            r.put("on_behalf_of", a.requester().onBehalfOf());
        }
        r.put("action", ApprovalJson.actionName(a));
        r.put("rules", ApprovalJson.rules(a));
        r.put("controls", ApprovalJson.controls(a));
        switch (e.type()) {
            case ApprovalEvent.CREATED -> {
                r.put("decision_id", a.decisionId());
                r.put("created_by", a.createdBy());
                r.put("requester", ApprovalJson.summary(a).get("requester"));
                r.put("groups", a.requirement().groups());
                r.put("quorum", a.requirement().quorum());
                r.put("expires_at", a.expiresAt().toString());
            }
            case ApprovalEvent.VOTE -> {
                r.put("reviewer", details.get("reviewer"));
                r.put("vote", details.get("vote"));
                r.put("comment", details.getOrDefault("comment", ""));
                r.put("channel", details.get("channel"));
            }
            case ApprovalEvent.APPROVED, ApprovalEvent.DENIED, ApprovalEvent.EXPIRED -> {
                r.put("decided_by", details.get("decided_by"));
                r.put("approvals", a.approvals());
            }
            case ApprovalEvent.REDEEMED -> r.put("decision_id", details.get("decision_id"));
            case ApprovalEvent.POSTED -> {
                r.put("destination", SinkNames.shown(details.get("destination")));
                r.put("conversation", details.get("conversation"));
                r.put("message", details.get("message"));
            }
            case ApprovalEvent.DELIVERY_FAILED -> {
                r.put("destination", SinkNames.shown(details.get("destination")));
                r.put("error", details.get("error"));
            }
            case ApprovalEvent.REMINDER -> r.put("number", details.get("number"));
            default -> details.forEach(r::putIfAbsent);
        }
        return r;
    }
}
