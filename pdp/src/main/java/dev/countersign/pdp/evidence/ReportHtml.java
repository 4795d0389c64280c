package dev.countersign.pdp.evidence;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * An {@link EvidenceReport} as one self-contained HTML page: inline CSS and SVG, no script, no
 * font, no image and no link to fetch, so that it opens offline and the same in any browser. Every
 * text taken from the records (ids, rule names, comments: attacker-influenced) is escaped for HTML
 * ({@link #escape}); nothing from a record is written into an attribute but ids escaped the same
 * way. Figures carry {@code data-figure} names so that a reader or a test can find them. Tables
 * list at most {@value #MAX_ROWS} rows; the JSON form holds them all.
 */
public final class ReportHtml {
    static final int MAX_ROWS = 1000;
    private static final String[] COLOURS = {"#2e7d32", "#c62828", "#ef6c00"};
    private static final String STYLE = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
            h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
            .meta{color:#555}.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
            table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
            th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em;word-break:break-all}
            .figures{display:flex;flex-wrap:wrap;gap:.8em}.figure{border:1px solid #ddd;border-radius:6px;padding:.5em .9em;min-width:9em}
            .figure b{display:block;font-size:1.5em}.legend span{margin-right:1.2em}.sw{display:inline-block;width:.8em;height:.8em;margin-right:.3em}
            @media print{body{margin:0}h2{break-after:avoid}}
            """;

    private ReportHtml() {
    }

    public static String of(EvidenceReport r) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
                .append("<title>Countersign evidence report</title><style>").append(STYLE).append("</style></head><body>\n");
        h.append("<h1>Evidence report</h1><p class=\"meta\">Audit log <code>").append(escape(r.source)).append("</code>, period ")
                .append(escape(r.since == null ? "its beginning" : r.since.toString())).append(" to ")
                .append(escape(r.until == null ? "its end" : r.until.toString())).append(" (end excluded); generated ")
                .append(escape(String.valueOf(r.generatedAt))).append(".</p>\n");
        chain(h, r);
        summary(h, r);
        perDay(h, r);
        held(h, r);
        expired(h, r);
        refusals(h, r);
        controls(h, r);
        revisions(h, r);
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void chain(StringBuilder h, EvidenceReport r) {
        var c = r.chain;
        h.append("<h2>Chain verification</h2><p data-figure=\"chain\">");
        if (c.intact()) {
            h.append("<span class=\"ok\">Intact</span>: ").append(c.records()).append(" records in ").append(c.files())
                    .append(" files").append(c.records() > 0 ? " (seq " + c.firstSeq() + ".." + c.lastSeq() + ")" : "")
                    .append(", every hash and link checked.");
        } else {
            h.append("<span class=\"bad\">BROKEN</span> at <code>").append(escape(c.firstBrokenFile() + ":" + c.firstBrokenLine()))
                    .append("</code>: ").append(escape(c.problem())).append(". ").append(c.records())
                    .append(" records intact before it. Figures below read every record, the broken ones included.");
        }
        h.append("</p>");
        for (String t : c.torn()) {
            h.append("<p>Torn line: ").append(escape(t)).append("</p>");
        }
        for (String w : c.warnings()) {
            h.append("<p>Warning: ").append(escape(w)).append("</p>");
        }
        h.append('\n');
    }

    private static void summary(StringBuilder h, EvidenceReport r) {
        List<Duration> times = r.timesToDecide();
        h.append("<h2>Summary</h2><div class=\"figures\">");
        figure(h, "decisions", "Decisions", String.valueOf(r.decisions));
        for (int i = 0; i < 3; i++) {
            figure(h, "decisions-" + EvidenceReport.VERDICTS[i], EvidenceReport.VERDICTS[i].replace('_', ' '), String.valueOf(r.byVerdict[i]));
        }
        figure(h, "held", "Held actions", String.valueOf(r.held.size()));
        figure(h, "expired", "Expired approvals", String.valueOf(r.expired().size()));
        figure(h, "self-approvals", "Self-approvals refused", String.valueOf(r.selfApprovals.size()));
        figure(h, "median", "Time to decide, median", duration(EvidenceReport.percentile(times, 50)));
        figure(h, "p90", "Time to decide, p90", duration(EvidenceReport.percentile(times, 90)));
        h.append("</div>\n");
    }

    private static void figure(StringBuilder h, String name, String label, String value) {
        h.append("<div class=\"figure\">").append(escape(label)).append("<b data-figure=\"").append(name).append("\">")
                .append(escape(value)).append("</b></div>");
    }

    /** Decisions per day as stacked bars, one colour per verdict. */
    private static void perDay(StringBuilder h, EvidenceReport r) {
        h.append("<h2>Decisions by verdict per day (UTC)</h2><p class=\"legend\">");
        for (int i = 0; i < 3; i++) {
            h.append("<span><i class=\"sw\" style=\"background:").append(COLOURS[i]).append("\"></i>")
                    .append(EvidenceReport.VERDICTS[i].replace('_', ' ')).append("</span>");
        }
        h.append("</p>");
        if (r.perDay.isEmpty()) {
            h.append("<p>No decisions in the period.</p>\n");
            return;
        }
        long max = r.perDay.values().stream().mapToLong(c -> c[0] + c[1] + c[2]).max().orElse(1);
        int n = r.perDay.size();
        int bar = Math.max(4, Math.min(40, 1000 / n));
        int width = 60 + n * (bar + 4);
        int height = 220;
        h.append("<svg role=\"img\" aria-label=\"decisions per day\" viewBox=\"0 0 ").append(width).append(' ').append(height + 40)
                .append("\" width=\"100%\" style=\"max-width:").append(width).append("px\" xmlns=\"http://www.w3.org/2000/svg\">");
        h.append("<text x=\"0\" y=\"12\" font-size=\"11\">").append(max).append("</text><line x1=\"50\" y1=\"10\" x2=\"50\" y2=\"")
                .append(height + 10).append("\" stroke=\"#999\"/>");
        int x = 56;
        for (Map.Entry<LocalDate, long[]> day : r.perDay.entrySet()) {
            double y = height + 10;
            long[] c = day.getValue();
            for (int i = 0; i < 3; i++) {
                double hgt = (double) c[i] / max * height;
                if (hgt > 0) {
                    y -= hgt;
                    h.append(String.format(java.util.Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\">",
                            x, y, bar, hgt, COLOURS[i])).append("<title>").append(day.getKey()).append(' ')
                            .append(EvidenceReport.VERDICTS[i]).append(": ").append(c[i]).append("</title></rect>");
                }
            }
            if (n <= 31 || day.getKey().getDayOfMonth() == 1) {
                h.append("<text x=\"").append(x).append("\" y=\"").append(height + 24).append("\" font-size=\"9\">")
                        .append(day.getKey().toString().substring(5)).append("</text>");
            }
            x += bar + 4;
        }
        h.append("</svg>\n<table><tr><th>Day</th><th>allow</th><th>deny</th><th>needs approval</th></tr>");
        for (Map.Entry<LocalDate, long[]> day : r.perDay.entrySet()) {
            long[] c = day.getValue();
            h.append("<tr data-day=\"").append(day.getKey()).append("\"><td>").append(day.getKey()).append("</td><td class=\"n\">")
                    .append(c[0]).append("</td><td class=\"n\">").append(c[1]).append("</td><td class=\"n\">").append(c[2]).append("</td></tr>");
        }
        h.append("</table>\n");
    }

    private static void held(StringBuilder h, EvidenceReport r) {
        h.append("<h2>Held actions</h2><p>Approvals created in the period, with every vote and the outcome by the end of the log.</p>");
        if (r.held.isEmpty()) {
            h.append("<p>None.</p>\n");
            return;
        }
        h.append("<table><tr><th>Approval</th><th>Created</th><th>Actor</th><th>Action</th><th>Rules</th><th>Controls</th>"
                + "<th>Outcome</th><th>Votes</th><th>Time to decide</th></tr>");
        int rows = 0;
        for (EvidenceReport.Held a : r.held.values()) {
            if (rows++ == MAX_ROWS) {
                break;
            }
            h.append("<tr><td><code>").append(escape(a.id)).append("</code></td><td>").append(escape(String.valueOf(a.createdAt)))
                    .append("</td><td>").append(escape(a.actor)).append(a.onBehalfOf == null ? "" : " for " + escape(a.onBehalfOf))
                    .append("</td><td>").append(escape(a.action)).append("</td><td>").append(escape(String.join(", ", a.rules)))
                    .append("</td><td>").append(escape(String.join(", ", a.controls))).append("</td><td>").append(escape(a.status))
                    .append(a.decidedBy == null ? "" : " by " + escape(a.decidedBy)).append("</td><td>");
            for (AuditEntry v : a.votes) {
                h.append(escape(v.vote)).append(" by ").append(escape(v.reviewer)).append(" at ").append(escape(String.valueOf(v.time)))
                        .append(v.channel == null ? "" : " (" + escape(v.channel) + ")")
                        .append(v.comment == null || v.comment.isEmpty() ? "" : ": “" + escape(v.comment) + "”").append("<br>");
            }
            h.append("</td><td>").append(escape(duration(a.timeToDecide()))).append("</td></tr>");
        }
        h.append("</table>");
        more(h, r.held.size());
    }

    private static void expired(StringBuilder h, EvidenceReport r) {
        List<EvidenceReport.Held> expired = r.expired();
        h.append("<h2>Expired approvals</h2>");
        if (expired.isEmpty()) {
            h.append("<p>None.</p>\n");
            return;
        }
        h.append("<table><tr><th>Approval</th><th>Created</th><th>Expired</th><th>Actor</th><th>Action</th><th>Controls</th></tr>");
        expired.stream().limit(MAX_ROWS).forEach(a -> h.append("<tr><td><code>").append(escape(a.id)).append("</code></td><td>")
                .append(escape(String.valueOf(a.createdAt))).append("</td><td>").append(escape(String.valueOf(a.decidedAt)))
                .append("</td><td>").append(escape(a.actor)).append("</td><td>").append(escape(a.action)).append("</td><td>")
                .append(escape(String.join(", ", a.controls))).append("</td></tr>"));
        h.append("</table>");
        more(h, expired.size());
    }

    private static void refusals(StringBuilder h, EvidenceReport r) {
        h.append("<h2>Self-approval attempts refused</h2><p>Votes refused because the reviewer is the requester or acts for them.</p>");
        if (r.selfApprovals.isEmpty()) {
            h.append("<p>None.</p>\n");
        } else {
            h.append("<table><tr><th>At</th><th>Approval</th><th>Reviewer</th><th>Vote</th><th>Channel</th><th>Actor</th><th>Action</th></tr>");
            r.selfApprovals.stream().limit(MAX_ROWS).forEach(e -> h.append("<tr><td>").append(escape(String.valueOf(e.time)))
                    .append("</td><td><code>").append(escape(e.approvalId)).append("</code></td><td>").append(escape(e.reviewer))
                    .append("</td><td>").append(escape(e.vote)).append("</td><td>").append(escape(e.channel)).append("</td><td>")
                    .append(escape(e.actor)).append("</td><td>").append(escape(e.action)).append("</td></tr>"));
            h.append("</table>");
            more(h, r.selfApprovals.size());
        }
        h.append("<p>Other refused votes (not a reviewer of the groups, voted already, decided): <b data-figure=\"other-refusals\">")
                .append(r.otherRefusals.size()).append("</b>.</p>\n");
    }

    private static void controls(StringBuilder h, EvidenceReport r) {
        h.append("<h2>Controls exercised</h2><p>Per control, the decisions of the period whose reasons named it, and the approvals"
                + " its rules held.</p>");
        if (r.controls.isEmpty()) {
            h.append("<p>No decision named a control.</p>\n");
            return;
        }
        long max = r.controls.values().stream().mapToLong(u -> u.decisions[0] + u.decisions[1] + u.decisions[2]).max().orElse(1);
        h.append("<table><tr><th>Control</th><th>Decisions</th><th>allow</th><th>deny</th><th>needs approval</th><th>Approvals</th>"
                + "<th>approved</th><th>denied</th><th>expired</th></tr>");
        r.controls.forEach((id, u) -> {
            long total = u.decisions[0] + u.decisions[1] + u.decisions[2];
            h.append("<tr data-control=\"").append(escape(id)).append("\"><td><code>").append(escape(id)).append("</code></td><td>")
                    .append("<svg viewBox=\"0 0 100 10\" width=\"100\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"")
                    .append(Math.max(1, total * 100 / Math.max(1, max))).append("\" height=\"10\" fill=\"#546e7a\"/></svg> ").append(total)
                    .append("</td><td class=\"n\">").append(u.decisions[0]).append("</td><td class=\"n\">").append(u.decisions[1])
                    .append("</td><td class=\"n\">").append(u.decisions[2]).append("</td><td class=\"n\">").append(u.approvals)
                    .append("</td><td class=\"n\">").append(u.approved).append("</td><td class=\"n\">").append(u.denied)
                    .append("</td><td class=\"n\">").append(u.expired).append("</td></tr>");
        });
        h.append("</table>\n");
    }

    private static void revisions(StringBuilder h, EvidenceReport r) {
        h.append("<h2>Bundle revisions in force</h2>");
        if (r.revisions.isEmpty()) {
            h.append("<p>None.</p>\n");
            return;
        }
        h.append("<table><tr><th>Revision</th><th>First decision</th><th>Last decision</th><th>Decisions</th></tr>");
        r.revisions.forEach((rev, u) -> h.append("<tr><td><code>").append(escape(rev)).append("</code></td><td>")
                .append(escape(String.valueOf(u.first))).append("</td><td>").append(escape(String.valueOf(u.last)))
                .append("</td><td class=\"n\">").append(u.decisions).append("</td></tr>"));
        h.append("</table>\n");
    }

    private static void more(StringBuilder h, int total) {
        if (total > MAX_ROWS) {
            h.append("<p>…and ").append(total - MAX_ROWS).append(" more; the JSON form (--format json) lists them all.</p>");
        }
        h.append('\n');
    }

    /** A duration as people read it: 42 s, 3 min 5 s, 2 h 10 min; "-" when there is none. */
    static String duration(Duration d) {
        if (d == null) {
            return "-";
        }
        long s = d.getSeconds();
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " min";
    }

    /** Text for HTML content or a quoted attribute: {@code & < > " '} escaped. */
    static String escape(String s) {
        if (s == null) {
            return "-";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
