package dev.countersign.pdp.evidence;

import dev.countersign.pdp.audit.AuditLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small audit log with a known story, written by the product's own {@link AuditLog} in the shapes
 * the server writes (decision records as {@code DecisionService}, approval events as
 * {@code AuditSink} and {@code ApprovalService}): three days, two bundle revisions, approvals
 * approved, denied, expired and still pending, a refused self-approval, a checkpoint record of a
 * kind readers do not know, and hostile text ({@code <script>}) where callers and reviewers write.
 */
final class EvidenceLog {
    static final Instant DAY1 = Instant.parse("2026-11-01T09:00:00Z");
    static final String HOSTILE = "<script>alert('x')</script>";
    static final String REV_A = "sha256:aaaa";
    static final String REV_B = "sha256:bbbb";

    private EvidenceLog() {
    }

    static void write(Path dir) throws IOException {
        try (AuditLog log = AuditLog.open(dir, new AuditLog.Options(4096, Duration.ofMillis(20), 10_000))) {
            log.append(decision("d1", DAY1, "alice", "data.read", "allow", REV_A, "read-only actions are allowed", List.of(), null));
            log.append(decision("d2", DAY1.plusSeconds(60), "agent:etl", "data.export", "deny", REV_A, "PII stays in the EU",
                    List.of("ISO27001:A.5.34", "NIST-800-53:AC-4"), null));
            log.append(decision("d3", DAY1.plusSeconds(120), "agent:etl", "data.export", "needs_approval", REV_A,
                    "agents need approval for production exports", List.of("SOC2:CC6.1", "NIST-800-53:AC-3"), "apr_1"));
            log.append(approval("apr_1", "created", DAY1.plusSeconds(120), Map.of("decision_id", "d3")));
            log.append(Map.of("type", "checkpoint", "time", DAY1.plusSeconds(121).toString(), "signature", "eyJ..."));
            log.append(approval("apr_1", "vote_refused", DAY1.plusSeconds(150), Map.of("reviewer", "alice@example.com",
                    "vote", "approve", "channel", "slack", "outcome", "self_approval")));
            log.append(approval("apr_1", "vote", DAY1.plusSeconds(300), Map.of("reviewer", "carol@example.com", "vote", "approve",
                    "channel", "slack", "comment", HOSTILE)));
            log.append(approval("apr_1", "approved", DAY1.plusSeconds(300), Map.of("decided_by", "carol@example.com")));
            Instant day2 = DAY1.plus(Duration.ofDays(1));
            log.append(decision("d4", day2, "agent:ops", "iam.role.grant", "needs_approval", REV_B,
                    "role grants need two security approvers", List.of("SOC2:CC6.2", "NIST-800-53:AC-2"), "apr_2"));
            log.append(approval("apr_2", "created", day2, Map.of("decision_id", "d4")));
            log.append(approval("apr_2", "vote", day2.plusSeconds(900), Map.of("reviewer", "dan@example.com", "vote", "deny",
                    "channel", "teams", "comment", "not now")));
            log.append(approval("apr_2", "denied", day2.plusSeconds(900), Map.of("decided_by", "dan@example.com")));
            log.append(decision("d5", day2.plusSeconds(10), HOSTILE, "data.read", "allow", REV_B, "read-only actions are allowed",
                    List.of(), null));
            log.append(decision("d6", day2.plusSeconds(20), "agent:ops", "iam.role.grant", "needs_approval", REV_B,
                    "role grants need two security approvers", List.of("SOC2:CC6.2", "NIST-800-53:AC-2"), "apr_3"));
            log.append(approval("apr_3", "created", day2.plusSeconds(20), Map.of("decision_id", "d6")));
            Instant day3 = DAY1.plus(Duration.ofDays(2));
            log.append(approval("apr_3", "expired", day3, Map.of("decided_by", "expiry")));
            log.append(decision("d7", day3.plusSeconds(5), "agent:etl", "data.export", "needs_approval", REV_B,
                    "agents need approval for production exports", List.of("SOC2:CC6.1", "NIST-800-53:AC-3"), "apr_4"));
            log.append(approval("apr_4", "created", day3.plusSeconds(5), Map.of("decision_id", "d7")));
            log.flush();
        }
    }

    /** A decision record as {@code DecisionService} writes one. */
    static Map<String, Object> decision(String id, Instant at, String actor, String action, String verdict, String revision,
                                        String rule, List<String> controls, String approvalId) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "decision");
        r.put("decision_id", id);
        r.put("time", at.toString());
        r.put("node", "node-1");
        r.put("caller", "gateway");
        r.put("via", "decisions");
        r.put("input", Map.of("actor", Map.of("id", actor, "type", "agent"), "action", Map.of("name", action),
                "context", Map.of("time", "1999-01-01T00:00:00Z")));
        r.put("input_hash", "hmac-sha256:00");
        r.put("verdict", verdict);
        r.put("reasons", List.of(Map.of("rule", rule, "package", "policies", "verdict", verdict, "message", "m",
                "source", "p.drl:3", "controls", controls)));
        if (approvalId != null) {
            r.put("approval", Map.of("id", approvalId, "status", "pending", "groups", List.of("g"), "quorum", Map.of("g", 1), "ttl", "PT1H"));
        }
        r.put("bundle_revision", revision);
        r.put("evaluation_us", 12.5);
        return r;
    }

    /** An approval event record as {@code AuditSink} writes one (the approval of decision d3, d4, d6 or d7). */
    static Map<String, Object> approval(String id, String event, Instant at, Map<String, Object> details) {
        boolean iam = id.equals("apr_2") || id.equals("apr_3");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "approval");
        r.put("event", event);
        r.put("event_id", id + ":" + event);
        r.put("approval_id", id);
        r.put("time", at.toString());
        r.put("node", "node-1");
        r.put("status", event.equals("created") || event.startsWith("vote") ? "pending" : event);
        r.put("actor", iam ? "agent:ops" : "agent:etl");
        r.put("on_behalf_of", iam ? "bob@example.com" : "alice@example.com");
        r.put("action", iam ? "iam.role.grant" : "data.export");
        r.put("rules", List.of(iam ? "role grants need two security approvers" : "agents need approval for production exports"));
        r.put("controls", iam ? List.of("SOC2:CC6.2", "NIST-800-53:AC-2") : List.of("SOC2:CC6.1", "NIST-800-53:AC-3"));
        r.putAll(details);
        return r;
    }
}
