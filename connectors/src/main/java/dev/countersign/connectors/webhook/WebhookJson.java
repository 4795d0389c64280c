package dev.countersign.connectors.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ApprovalMessage;
import java.time.Instant;

/**
 * The body of a webhook delivery: one approval event and the approval as it stands after it.
 * Field names are snake_case; every field is always present, {@code null} when unknown; times are
 * ISO-8601 UTC; strings are the caller's, unescaped (escape them before showing them anywhere),
 * except that a lone UTF-16 surrogate, which no JSON text can carry, becomes U+FFFD.
 *
 * <pre>{@code
 * {
 *   "event_id": "apr_01…:7",                       // also the X-Countersign-Event header; signed here
 *   "event": {"id": "apr_01…:7", "type": "vote", "at": "2026-…Z"},   // created | vote | approved | denied | expired | redeemed | reminder
 *   "approval": {
 *     "id": "apr_01…",
 *     "status": "pending",                          // pending | approved | denied | expired | redeemed
 *     "requester": {"actor_id": "agent:etl-bot", "actor_type": "agent", "on_behalf_of": "alice@example.com", "client": "etl"},
 *     "action":    {"name": "data.export", "command": "COPY …", "intent": "quarterly report"},
 *     "resource":  {"type": "table", "id": "prod.customers", "classification": "pii", "environment": "production", "region": "eu-west-1"},
 *     "target":    {"region": "us-east-1", "endpoint": "s3://x"},
 *     "lineage":   {"model_id": "gpt-4.1", "dataset_origin": "crm", "compliance_tags": ["gdpr"]},
 *     "rules":  [{"name": "…", "package": "policies.export", "verdict": "needs_approval", "message": "…", "source": "policies/export.drl:14",
 *                "controls": ["SOC2:CC6.1"]}],
 *     "groups": [{"name": "data-governance", "quorum": 1, "approvals": 0, "needed": 1}],
 *     "votes":  [{"reviewer": "carol@example.com", "choice": "approve", "comment": "", "at": "2026-…Z", "channel": "slack"}],
 *     "expires_at": "2026-…Z", "decided_at": null, "decided_by": null, "redeemed_at": null,
 *     "link": "https://countersign.example.com/v1/approvals/apr_01…"
 *   }
 * }
 * }</pre>
 */
public final class WebhookJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WebhookJson() {
    }

    /** The delivery of {@code event}, with {@code message} as the approval's state. */
    public static ObjectNode delivery(WebhookEvent event, ApprovalMessage message) {
        ObjectNode root = JSON.createObjectNode().put("event_id", text(event.id()));
        root.putObject("event").put("id", text(event.id())).put("type", event.type()).put("at", event.at().toString());
        root.set("approval", approval(message));
        return root;
    }

    /** {@link #delivery} as the exact bytes sent and signed. */
    public static byte[] bytes(WebhookEvent event, ApprovalMessage message) {
        try {
            return JSON.writeValueAsBytes(delivery(event, message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a webhook body could not be written", e);
        }
    }

    private static ObjectNode approval(ApprovalMessage m) {
        ObjectNode a = JSON.createObjectNode().put("id", text(m.approvalId())).put("status", m.status().wireName());
        a.putObject("requester").put("actor_id", text(m.requester().actorId())).put("actor_type", text(m.requester().actorType()))
                .put("on_behalf_of", text(m.requester().onBehalfOf())).put("client", text(m.requester().client()));
        a.putObject("action").put("name", text(m.action().name())).put("command", text(m.action().command()))
                .put("intent", text(m.action().intent()));
        a.putObject("resource").put("type", text(m.resource().type())).put("id", text(m.resource().id()))
                .put("classification", text(m.resource().classification())).put("environment", text(m.resource().environment()))
                .put("region", text(m.resource().region()));
        a.putObject("target").put("region", text(m.target().region())).put("endpoint", text(m.target().endpoint()));
        ObjectNode lineage = a.putObject("lineage").put("model_id", text(m.lineage().modelId()))
                .put("dataset_origin", text(m.lineage().datasetOrigin()));
        ArrayNode tags = lineage.putArray("compliance_tags");
        m.lineage().complianceTags().forEach(t -> tags.add(text(t)));
        ArrayNode rules = a.putArray("rules");
        m.rules().forEach(r -> {
            ObjectNode rule = rules.addObject().put("name", text(r.name())).put("package", text(r.packageName()))
                    .put("verdict", text(r.verdict())).put("message", text(r.message())).put("source", text(r.source()));
            r.controls().forEach(rule.putArray("controls")::add);
        });
        ArrayNode groups = a.putArray("groups");
        m.groups().forEach(g -> groups.addObject().put("name", text(g.name())).put("quorum", g.quorum())
                .put("approvals", g.approvals()).put("needed", g.needed()));
        ArrayNode votes = a.putArray("votes");
        m.votes().forEach(v -> votes.addObject().put("reviewer", text(v.reviewer()))
                .put("choice", v.choice() == null ? null : v.choice().wireName()).put("comment", text(v.comment()))
                .put("at", time(v.at())).put("channel", text(v.channel())));
        a.put("expires_at", time(m.expiresAt())).put("decided_at", time(m.decidedAt())).put("decided_by", text(m.decidedBy()))
                .put("redeemed_at", time(m.redeemedAt())).put("link", text(m.link()));
        return a;
    }

    private static String time(Instant at) {
        return at == null ? null : at.toString();
    }

    /** {@code s} with each lone surrogate replaced by U+FFFD; null stays null. */
    static String text(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(s.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(s.length()).append(s, 0, i);
                }
                out.append('\uFFFD');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }
}
