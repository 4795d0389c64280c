package dev.countersign.pdp.decision;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.countersign.cluster.approval.ApprovalStore;
import dev.countersign.pdp.http.ApiError;
import dev.countersign.pdp.http.Caller;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Outcomes the executor of an allowed action reports ({@code POST /v1/decisions/{id}/outcome}), closing the loop
 * from intent to outcome: once per decision, only by the client that asked for it. The outcome of a decision that
 * redeemed an approval is one {@code outcome} event in that approval's own entry (atomic there, backed up with it,
 * delivered to the audit log like every approval event); that of any other decision is claimed once in the
 * cluster ({@value #MAP}, kept for the decision retention time) and appended to the audit log as a record of
 * type {@code outcome}. A repeat of the same report answers as the first; another report is a 409.
 */
public final class DecisionOutcomes {
    public static final String MAP = "countersign.decision-outcomes";

    /** What a report answered: the outcome as recorded, and whether this call recorded it. */
    public record Reported(Map<String, Object> outcome, boolean repeated) {
    }

    private final Vertx vertx;
    private final DecisionRecords records;
    private final ApprovalStore approvals;
    private final IMap<String, String> claimed;
    private final AuditTrail audit;
    private final String node;
    private final Duration retention;

    public DecisionOutcomes(Vertx vertx, DecisionRecords records, ApprovalStore approvals, HazelcastInstance hazelcast,
                            AuditTrail audit, String node, Duration retention) {
        this.vertx = vertx;
        this.records = records;
        this.approvals = approvals;
        this.claimed = hazelcast.getMap(MAP);
        this.audit = audit;
        this.node = node;
        this.retention = retention;
    }

    /**
     * Records {@code status} ({@code succeeded} or {@code failed}), {@code detail} and {@code lineage} (either may be
     * null) as the outcome of decision {@code decisionId}. Fails with 404 when the decision is unknown to
     * {@code caller} (not recorded, expired, or asked by another client) and 409 when another outcome was reported.
     */
    public Future<Reported> report(String decisionId, Caller caller, String status, String detail, Map<String, Object> lineage) {
        return records.get(decisionId).compose(record -> {
            if (record == null || !caller.name().equals(record.get("caller"))) {
                return Future.failedFuture(ApiError.notFound("no decision " + decisionId + " of client " + caller.name()
                        + " is recorded (unknown, asked by another client, or older than the retention time)"));
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("status", "redeemed");
            details.put("decision_id", decisionId);
            details.put("outcome", status);
            if (detail != null) {
                details.put("detail", detail);
            }
            if (lineage != null) {
                details.put("lineage", json(lineage));
            }
            details.put("client", caller.name());
            String approvalId = redeemed(record);
            Future<Reported> viaApproval = approvalId == null ? Future.succeededFuture(null)
                    : Future.fromCompletionStage(approvals.reportOutcome(approvalId, decisionId, details), vertx.getOrCreateContext())
                    .compose(result -> {
                        if (result == null || result == ApprovalStore.OutcomeReport.NOT_REDEEMED) {
                            return Future.succeededFuture(null);
                        }
                        if (result == ApprovalStore.OutcomeReport.CONFLICT) {
                            return Future.failedFuture(conflict(decisionId));
                        }
                        return Future.succeededFuture(new Reported(answer(decisionId, approvalId, status, detail, lineage),
                                result == ApprovalStore.OutcomeReport.REPEATED));
                    });
            return viaApproval.compose(done -> done != null ? Future.succeededFuture(done) : claimOnce(decisionId, details, status, detail,
                    lineage, caller));
        });
    }

    /** The outcome of a decision that used no grant: claimed once in the cluster, then appended to the audit log. */
    private Future<Reported> claimOnce(String decisionId, Map<String, String> details, String status, String detail,
                                       Map<String, Object> lineage, Caller caller) {
        String value = json(new LinkedHashMap<>(details));
        return vertx.executeBlocking(() -> claimed.putIfAbsent(decisionId, value, retention.toMillis(), TimeUnit.MILLISECONDS), false)
                .compose(before -> {
                    if (before != null) {
                        return before.equals(value) ? Future.succeededFuture(new Reported(answer(decisionId, null, status, detail, lineage), true))
                                : Future.failedFuture(conflict(decisionId));
                    }
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("type", "outcome");
                    r.put("decision_id", decisionId);
                    r.put("time", Instant.now().toString());
                    r.put("node", node);
                    r.put("caller", caller.name());
                    r.put("outcome", status);
                    if (detail != null) {
                        r.put("detail", detail);
                    }
                    if (lineage != null) {
                        r.put("lineage", lineage);
                    }
                    audit.append(r);
                    return Future.succeededFuture(new Reported(answer(decisionId, null, status, detail, lineage), false));
                });
    }

    /** The approval a recorded decision redeemed, or null. */
    private static String redeemed(Map<String, Object> record) {
        if (!"allow".equals(record.get("verdict")) || !(record.get("approval") instanceof Map<?, ?> approval)) {
            return null;
        }
        return approval.get("id") instanceof String id ? id : null;
    }

    private static Map<String, Object> answer(String decisionId, String approvalId, String status, String detail,
                                              Map<String, Object> lineage) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("decision_id", decisionId);
        if (approvalId != null) {
            m.put("approval_id", approvalId);
        }
        m.put("status", status);
        if (detail != null) {
            m.put("detail", detail);
        }
        if (lineage != null) {
            m.put("lineage", lineage);
        }
        return m;
    }

    private static ApiError conflict(String decisionId) {
        return new ApiError(409, "outcome_reported", "the outcome of decision " + decisionId + " was reported already; it is"
                + " reported once");
    }

    private static String json(Map<String, ?> value) {
        @SuppressWarnings("unchecked")
        Map<String, Object> v = (Map<String, Object>) value;
        return new String(Json.write(g -> JsonValues.write(g, v, true)), StandardCharsets.UTF_8);
    }
}
