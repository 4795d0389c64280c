package dev.countersign.pdp.evidence;

import dev.countersign.pdp.audit.AuditVerifier;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link EvidenceReport} as plain maps for JSON, with the same figures the HTML shows:
 * {@code period}, {@code decisions} ({@code total}, {@code by_verdict}, {@code per_day}),
 * {@code held_actions} ({@code total}, {@code approved}, {@code denied}, {@code expired},
 * {@code pending}, {@code time_to_decide} with {@code median} and {@code p90} as ISO-8601 durations,
 * {@code approvals}: each with its votes), {@code expired_approvals}, {@code self_approvals_refused},
 * {@code other_refused_votes}, {@code controls}, {@code bundle_revisions} and {@code chain}.
 */
public final class ReportJson {
    private ReportJson() {
    }

    public static Map<String, Object> of(EvidenceReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> period = new LinkedHashMap<>();
        period.put("since", text(r.since));
        period.put("until", text(r.until));
        m.put("period", period);
        m.put("generated_at", text(r.generatedAt));
        m.put("log", r.source);
        Map<String, Object> decisions = new LinkedHashMap<>();
        decisions.put("total", r.decisions);
        decisions.put("by_verdict", verdicts(r.byVerdict));
        List<Object> days = new ArrayList<>();
        r.perDay.forEach((day, counts) -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("day", day.toString());
            d.putAll(verdicts(counts));
            days.add(d);
        });
        decisions.put("per_day", days);
        m.put("decisions", decisions);
        m.put("held_actions", held(r));
        m.put("expired_approvals", r.expired().stream().map(ReportJson::approval).toList());
        m.put("self_approvals_refused", r.selfApprovals.stream().map(ReportJson::refusal).toList());
        m.put("other_refused_votes", r.otherRefusals.stream().map(ReportJson::refusal).toList());
        List<Object> controls = new ArrayList<>();
        r.controls.forEach((id, use) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("control", id);
            c.put("decisions", verdicts(use.decisions));
            c.put("approvals", use.approvals);
            c.put("approved", use.approved);
            c.put("denied", use.denied);
            c.put("expired", use.expired);
            controls.add(c);
        });
        m.put("controls", controls);
        List<Object> revisions = new ArrayList<>();
        r.revisions.forEach((rev, use) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("bundle_revision", rev);
            c.put("first", text(use.first));
            c.put("last", text(use.last));
            c.put("decisions", use.decisions);
            revisions.add(c);
        });
        m.put("bundle_revisions", revisions);
        m.put("chain", chain(r.chain));
        return m;
    }

    private static Map<String, Object> held(EvidenceReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", r.held.size());
        for (String status : new String[] {"approved", "redeemed", "denied", "expired", "pending"}) {
            m.put(status, r.held.values().stream().filter(h -> h.status.equals(status)).count());
        }
        List<Duration> times = r.timesToDecide();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("decided", times.size());
        t.put("median", text(EvidenceReport.percentile(times, 50)));
        t.put("p90", text(EvidenceReport.percentile(times, 90)));
        m.put("time_to_decide", t);
        m.put("approvals", r.held.values().stream().map(ReportJson::approval).toList());
        return m;
    }

    static Map<String, Object> approval(EvidenceReport.Held h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("approval_id", h.id);
        m.put("decision_id", h.decisionId);
        m.put("created_at", text(h.createdAt));
        m.put("actor", h.actor);
        m.put("on_behalf_of", h.onBehalfOf);
        m.put("action", h.action);
        m.put("rules", h.rules);
        m.put("controls", h.controls);
        m.put("status", h.status);
        m.put("decided_at", text(h.decidedAt));
        m.put("decided_by", h.decidedBy);
        m.put("time_to_decide", text(h.timeToDecide()));
        List<Object> votes = new ArrayList<>();
        for (AuditEntry v : h.votes) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("reviewer", v.reviewer);
            one.put("vote", v.vote);
            one.put("at", text(v.time));
            one.put("channel", v.channel);
            one.put("comment", v.comment);
            votes.add(one);
        }
        m.put("votes", votes);
        return m;
    }

    private static Map<String, Object> refusal(AuditEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("approval_id", e.approvalId);
        m.put("at", text(e.time));
        m.put("reviewer", e.reviewer);
        m.put("vote", e.vote);
        m.put("channel", e.channel);
        m.put("outcome", e.outcome);
        m.put("actor", e.actor);
        m.put("action", e.action);
        return m;
    }

    static Map<String, Object> chain(AuditVerifier.Result c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("intact", c.intact());
        m.put("records", c.records());
        m.put("files", c.files());
        m.put("first_seq", c.firstSeq());
        m.put("last_seq", c.lastSeq());
        if (!c.intact()) {
            m.put("broken_at", c.firstBrokenFile() + ":" + c.firstBrokenLine());
            m.put("problem", c.problem());
        }
        m.put("torn", c.torn());
        m.put("warnings", c.warnings());
        return m;
    }

    private static Map<String, Object> verdicts(long[] counts) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < EvidenceReport.VERDICTS.length; i++) {
            m.put(EvidenceReport.VERDICTS[i], counts[i]);
        }
        return m;
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
