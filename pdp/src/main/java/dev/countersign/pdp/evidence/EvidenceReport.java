package dev.countersign.pdp.evidence;

import dev.countersign.pdp.audit.AuditVerifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The evidence of an audit log for a period, read in one pass over the files: decisions by verdict
 * per day (UTC), the held actions (approvals created in the period) with who approved or denied and
 * the time to decide, expired approvals, refused attempts at self-approval, per control the
 * decisions and approvals that exercised it, the bundle revisions in force, and the result of
 * verifying the whole chain ({@link AuditVerifier}). Holds one entry per approval and per day,
 * control and revision, never the decisions themselves. {@link ReportJson} and {@link ReportHtml}
 * render it.
 */
public final class EvidenceReport {
    static final String[] VERDICTS = {"allow", "deny", "needs_approval"};

    final Instant since;
    final Instant until;
    final Instant generatedAt;
    final String source;
    long decisions;
    final long[] byVerdict = new long[3];
    final TreeMap<LocalDate, long[]> perDay = new TreeMap<>();
    final Map<String, Held> held = new LinkedHashMap<>();
    final List<AuditEntry> selfApprovals = new ArrayList<>();
    final List<AuditEntry> otherRefusals = new ArrayList<>();
    final TreeMap<String, ControlUse> controls = new TreeMap<>();
    final Map<String, Revision> revisions = new LinkedHashMap<>();
    AuditVerifier.Result chain;

    /** An approval created in the period, and what became of it (by the end of the log). */
    static final class Held {
        final String id;
        Instant createdAt;
        String actor;
        String onBehalfOf;
        String action;
        String decisionId;
        List<String> rules = List.of();
        List<String> controls = List.of();
        String status = "pending";
        Instant decidedAt;
        String decidedBy;
        final List<AuditEntry> votes = new ArrayList<>();

        Held(String id) {
            this.id = id;
        }

        /** From creation to approval or denial; null while pending or when it expired. */
        Duration timeToDecide() {
            return createdAt != null && decidedAt != null && (status.equals("approved") || status.equals("denied"))
                    ? Duration.between(createdAt, decidedAt) : null;
        }
    }

    /** The decisions of the period whose reasons named a control, by verdict, and the approvals its rules held. */
    static final class ControlUse {
        final long[] decisions = new long[3];
        long approvals;
        long approved;
        long denied;
        long expired;
    }

    /** A bundle revision that decided in the period: when first and last, and how often. */
    static final class Revision {
        Instant first;
        Instant last;
        long decisions;
    }

    private EvidenceReport(Instant since, Instant until, String source, Instant generatedAt) {
        this.since = since;
        this.until = until;
        this.source = source;
        this.generatedAt = generatedAt;
    }

    /** Reads the log at {@code path} for the period (either end may be open) and verifies its chain. */
    public static EvidenceReport of(Path path, Instant since, Instant until, Instant now) throws IOException {
        List<Path> files = AuditStream.files(path);
        EvidenceReport report = new EvidenceReport(since, until, path.getFileName() == null ? path.toString() : path.getFileName().toString(), now);
        AuditQuery period = AuditQuery.period(since, until);
        AuditStream.oldestFirst(files, line -> true, e -> report.add(e, period.matches(e)));
        report.finish();
        report.chain = AuditVerifier.verify(path);
        return report;
    }

    private void add(AuditEntry e, boolean inPeriod) {
        if (e.kind == AuditEntry.Kind.DECISION) {
            if (inPeriod) {
                decision(e);
            }
            return;
        }
        if (e.approvalId == null) {
            return;
        }
        Held h = held.get(e.approvalId);
        if ("created".equals(e.event)) {
            if (inPeriod && h == null) {
                h = new Held(e.approvalId);
                h.createdAt = e.time;
                h.actor = e.actor;
                h.onBehalfOf = e.onBehalfOf;
                h.action = e.action;
                h.decisionId = e.decisionId;
                h.rules = List.copyOf(e.rules);
                h.controls = List.copyOf(e.controls);
                held.put(h.id, h);
            }
            return;
        }
        if ("vote_refused".equals(e.event) && inPeriod) {
            ("self_approval".equals(e.outcome) ? selfApprovals : otherRefusals).add(e);
            return;
        }
        if (h == null) {
            return; // an approval created before the period: its story is told in that period's report
        }
        switch (e.event == null ? "" : e.event) {
            case "vote" -> h.votes.add(e);
            case "approved", "denied", "expired" -> {
                if (h.decidedAt == null) {
                    h.status = e.event;
                    h.decidedAt = e.time;
                    h.decidedBy = e.decidedBy;
                }
            }
            case "redeemed" -> h.status = h.status.equals("approved") ? "redeemed" : h.status;
            default -> {
            }
        }
    }

    private void decision(AuditEntry e) {
        int v = verdictIndex(e.verdict);
        decisions++;
        if (v < 0) {
            return;
        }
        byVerdict[v]++;
        if (e.time != null) {
            perDay.computeIfAbsent(LocalDate.ofInstant(e.time, ZoneOffset.UTC), d -> new long[3])[v]++;
        }
        for (String c : e.controls) {
            controls.computeIfAbsent(c, k -> new ControlUse()).decisions[v]++;
        }
        if (e.revision != null) {
            Revision r = revisions.computeIfAbsent(e.revision, k -> new Revision());
            r.decisions++;
            if (e.time != null) {
                r.first = r.first == null || e.time.isBefore(r.first) ? e.time : r.first;
                r.last = r.last == null || e.time.isAfter(r.last) ? e.time : r.last;
            }
        }
    }

    private void finish() {
        for (Held h : held.values()) {
            for (String c : h.controls) {
                ControlUse use = controls.computeIfAbsent(c, k -> new ControlUse());
                use.approvals++;
                switch (h.status) {
                    case "approved", "redeemed" -> use.approved++;
                    case "denied" -> use.denied++;
                    case "expired" -> use.expired++;
                    default -> {
                    }
                }
            }
        }
    }

    static int verdictIndex(String verdict) {
        for (int i = 0; i < VERDICTS.length; i++) {
            if (VERDICTS[i].equals(verdict)) {
                return i;
            }
        }
        return -1;
    }

    /** The times to decide of the approvals approved or denied, shortest first. */
    List<Duration> timesToDecide() {
        return held.values().stream().map(Held::timeToDecide).filter(d -> d != null).sorted().toList();
    }

    /** The nearest-rank percentile {@code p} (0..100) of sorted {@code values}, or null when there are none. */
    static Duration percentile(List<Duration> sorted, int p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** The approvals created in the period that expired undecided. */
    List<Held> expired() {
        return held.values().stream().filter(h -> h.status.equals("expired")).toList();
    }

    /** Whether the chain verified intact. */
    public boolean chainIntact() {
        return chain != null && chain.intact();
    }
}
