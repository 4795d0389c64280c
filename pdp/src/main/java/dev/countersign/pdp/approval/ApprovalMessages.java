package dev.countersign.pdp.approval;

import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Vote;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ReviewerChoice;
import java.util.List;
import java.util.Map;

/**
 * An approval as connectors see it ({@link ApprovalMessage}): the action context it was asked for
 * (masked as in the audit log), the rules that held it, its requirement, votes and status. The only
 * mapping from the workflow's types to the connectors' neutral ones.
 */
public final class ApprovalMessages {
    private ApprovalMessages() {
    }

    /**
     * The message for {@code a}, linking to it under {@code publicUrl} (this deployment's base URL, or
     * null for no link).
     */
    public static ApprovalMessage of(PendingApproval a, String publicUrl) {
        ApprovalMessage.Builder b = ApprovalMessage.builder(a.id(), status(a));
        Map<String, Object> context = ApprovalJson.parse(a.context());
        Map<String, Object> actor = object(context, "actor");
        Map<String, Object> action = object(context, "action");
        Map<String, Object> resource = object(context, "resource");
        Map<String, Object> target = object(context, "target");
        Map<String, Object> lineage = object(context, "context");
        b.requester(a.requester().actorId(), text(actor, "type"), a.requester().onBehalfOf(), a.requester().client());
        b.action(text(action, "name"), text(action, "command"), text(action, "intent"));
        b.resource(text(resource, "type"), text(resource, "id"), text(resource, "classification"), text(resource, "environment"),
                text(resource, "region"));
        b.target(text(target, "region"), text(target, "endpoint"));
        b.lineage(text(lineage, "model_id"), text(lineage, "dataset_origin"), texts(lineage, "compliance_tags"));
        Map<String, Object> decision = ApprovalJson.parse(a.decision());
        if (decision != null && decision.get("reasons") instanceof List<?> reasons) {
            for (Object r : reasons) {
                if (r instanceof Map<?, ?> reason) {
                    b.rule(str(reason.get("rule")), str(reason.get("package")), str(reason.get("verdict")), str(reason.get("message")),
                            str(reason.get("source")), texts(reason, "controls"));
                }
            }
        }
        Map<String, Integer> approvals = a.approvals();
        for (String group : a.requirement().groups()) {
            b.group(group, a.requirement().quorum().getOrDefault(group, 0), approvals.getOrDefault(group, 0));
        }
        for (Vote v : a.votes()) {
            b.vote(v.reviewer(), v.choice() == Choice.APPROVE ? ReviewerChoice.APPROVE : ReviewerChoice.DENY, v.comment(), v.at(),
                    v.channel());
        }
        b.expiresAt(a.expiresAt());
        if (a.decidedAt() != null) {
            b.decided(a.decidedAt(), PendingApproval.EXPIRY.equals(a.decidedBy()) ? null : a.decidedBy());
        }
        if (a.redeemedAt() != null) {
            b.redeemedAt(a.redeemedAt());
        }
        if (publicUrl != null) {
            b.link(publicUrl + "/v1/approvals/" + a.id());
        }
        return b.build();
    }

    private static ApprovalMessage.Status status(PendingApproval a) {
        if (a.redeemedAt() != null) {
            return ApprovalMessage.Status.REDEEMED;
        }
        return switch (a.status()) {
            case PENDING -> ApprovalMessage.Status.PENDING;
            case APPROVED -> ApprovalMessage.Status.APPROVED;
            case DENIED -> ApprovalMessage.Status.DENIED;
            case EXPIRED -> ApprovalMessage.Status.EXPIRED;
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> parent, String key) {
        Object v = parent == null ? null : parent.get(key);
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String text(Map<String, Object> parent, String key) {
        return str(parent.get(key));
    }

    private static String str(Object v) {
        return v == null ? null : v instanceof String s ? s : String.valueOf(v);
    }

    private static List<String> texts(Map<?, ?> parent, String key) {
        return parent.get(key) instanceof List<?> list ? list.stream().map(ApprovalMessages::str).toList() : List.of();
    }
}
