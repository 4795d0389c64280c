package dev.countersign.pdp.approval;

import dev.countersign.cluster.approval.Delivery;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.pdp.events.SinkNames;
import dev.countersign.cluster.approval.Vote;
import dev.countersign.rules.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Approvals in their wire form, as plain maps (for responses, callbacks and audit records). */
public final class ApprovalJson {
    private ApprovalJson() {
    }

    /** Everything about an approval: status, requester, requirement, progress, votes, the decision and its context. */
    public static Map<String, Object> full(PendingApproval a) {
        Map<String, Object> m = summary(a);
        m.put("votes", votes(a.votes()));
        m.put("decision_id", a.decisionId());
        m.put("decision", parse(a.decision()));
        m.put("context", parse(a.context()));
        m.put("context_hash", a.contextHash());
        m.put("bundle_revision", a.bundleRevision());
        m.put("created_by", a.createdBy());
        if (a.redeemedAt() != null) {
            m.put("redeemed_at", a.redeemedAt().toString());
            m.put("redeemed_by", a.redeemedBy());
        }
        return m;
    }

    /**
     * {@link #full} and how each of its destinations stands ({@code deliveries}): for each sink but
     * the audit log and waiters, its state ({@code delivered}, {@code pending}, {@code retrying},
     * {@code failed}), the events it took of those recorded, its attempts and last error, when it is
     * tried next, and the card it posted. URLs are shown without their path and query.
     */
    public static Map<String, Object> forApi(PendingApproval a) {
        Map<String, Object> m = full(a);
        List<Object> deliveries = new ArrayList<>();
        long last = a.log().lastSeq();
        for (Delivery d : a.log().deliveries().values()) {
            if (d.sink().equals(SinkNames.AUDIT) || d.sink().equals(SinkNames.WAITERS)) {
                continue;
            }
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("destination", SinkNames.shown(d.sink()));
            one.put("state", d.failed() ? "failed" : d.delivered() >= last ? "delivered" : d.lastError() != null ? "retrying" : "pending");
            one.put("events_delivered", d.delivered());
            one.put("events", last);
            one.put("attempts", d.attempts());
            if (d.lastError() != null) {
                one.put("last_error", d.lastError());
            }
            if (d.nextAttempt() != null && !d.failed()) {
                one.put("next_attempt", d.nextAttempt().toString());
            }
            if (d.posted() != null) {
                one.put("posted", Map.of("conversation", d.posted().conversation(), "message", d.posted().messageId()));
            }
            deliveries.add(one);
        }
        m.put("deliveries", deliveries);
        return m;
    }

    /** The fields a list shows and a callback carries. */
    public static Map<String, Object> summary(PendingApproval a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("status", a.status().wireName());
        Map<String, Object> requester = new LinkedHashMap<>();
        requester.put("actor_id", a.requester().actorId());
        if (a.requester().onBehalfOf() != null) {
            requester.put("on_behalf_of", a.requester().onBehalfOf());
        }
        if (a.requester().client() != null) {
            requester.put("client", a.requester().client());
        }
        m.put("requester", requester);
        m.put("groups", a.requirement().groups());
        m.put("quorum", a.requirement().quorum());
        m.put("ttl", a.requirement().ttl().toString());
        m.put("approvals", a.approvals());
        m.put("controls", controls(a));
        m.put("created_at", a.createdAt().toString());
        m.put("expires_at", a.expiresAt().toString());
        if (a.decidedAt() != null) {
            m.put("decided_at", a.decidedAt().toString());
            m.put("decided_by", a.decidedBy());
        }
        return m;
    }

    /**
     * The controls of the rules that held the approval (those of its decision's needs_approval
     * reasons), each once, in the order the decision lists them.
     */
    public static List<String> controls(PendingApproval a) {
        Map<String, Object> decision = parse(a.decision());
        java.util.LinkedHashSet<String> controls = new java.util.LinkedHashSet<>();
        if (decision != null && decision.get("reasons") instanceof List<?> reasons) {
            for (Object r : reasons) {
                if (r instanceof Map<?, ?> reason && "needs_approval".equals(reason.get("verdict"))
                        && reason.get("controls") instanceof List<?> list) {
                    list.forEach(c -> controls.add(String.valueOf(c)));
                }
            }
        }
        return List.copyOf(controls);
    }

    /** The name of the action the approval was asked for, or null. */
    public static String actionName(PendingApproval a) {
        Map<String, Object> context = parse(a.context());
        return context != null && context.get("action") instanceof Map<?, ?> action && action.get("name") instanceof String name ? name : null;
    }

    /** The rules that held the approval (the names of its decision's needs_approval reasons), in the decision's order. */
    public static List<String> rules(PendingApproval a) {
        Map<String, Object> decision = parse(a.decision());
        List<String> rules = new ArrayList<>();
        if (decision != null && decision.get("reasons") instanceof List<?> reasons) {
            for (Object r : reasons) {
                if (r instanceof Map<?, ?> reason && "needs_approval".equals(reason.get("verdict")) && reason.get("rule") != null) {
                    rules.add(String.valueOf(reason.get("rule")));
                }
            }
        }
        return rules;
    }

    static List<Object> votes(List<Vote> votes) {
        List<Object> list = new ArrayList<>();
        for (Vote v : votes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reviewer", v.reviewer());
            m.put("vote", v.choice().wireName());
            m.put("comment", v.comment());
            m.put("at", v.at().toString());
            m.put("channel", v.channel());
            m.put("node", v.node());
            m.put("counts_for", v.countsFor());
            list.add(m);
        }
        return list;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String json) {
        try {
            return json == null ? null : Json.MAPPER.readValue(json, Map.class);
        } catch (IOException e) {
            throw new IllegalStateException("a stored approval holds malformed JSON", e);
        }
    }
}
