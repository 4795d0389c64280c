package dev.countersign.benchmarks.evidence;

import dev.countersign.pdp.audit.AuditLog;
import dev.countersign.pdp.evidence.AuditQuery;
import dev.countersign.pdp.evidence.AuditSearch;
import dev.countersign.pdp.evidence.EvidenceReport;
import dev.countersign.pdp.evidence.ReportHtml;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code audit search} and {@code audit report} on a log of N records (default 1,000,000) written by
 * the product's own {@link AuditLog} in the shapes a node writes: decisions over 30 days (70 % allow,
 * 15 % deny, 15 % needs_approval) with a masked input, reasons and controls, and for each held action
 * its approval events (created, a vote, approved or denied; some expire, some see a refused
 * self-approval). Prints the log's size and the wall time of each search and of the report (JSON
 * figures and HTML), each run twice (the second with the files in the page cache).
 *
 * <pre>java -cp benchmarks.jar dev.countersign.benchmarks.evidence.EvidenceTiming [records] [dir]</pre>
 */
public final class EvidenceTiming {
    private static final Instant START = Instant.parse("2026-10-01T00:00:00Z");

    private EvidenceTiming() {
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("evidence-timing");
        long t0 = System.nanoTime();
        int written = write(dir, records);
        long bytes;
        try (Stream<Path> files = Files.list(dir)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf("wrote %,d records (%,d MB) in %.1f s%n", written, bytes >> 20, (System.nanoTime() - t0) / 1e9);
        PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream());
        Map<String, AuditQuery> searches = new LinkedHashMap<>();
        searches.put("--verdict deny", new AuditQuery(null, null, null, null, "deny", null, null, null, null));
        searches.put("--control SOC2:CC6.2", new AuditQuery(null, null, null, null, null, null, null, "SOC2:CC6.2", null));
        searches.put("--actor agent:bot-3 --action data.export", new AuditQuery(null, null, "agent:bot-3", "data.export", null, null, null, null, null));
        searches.put("--reviewer carol@example.com", new AuditQuery(null, null, null, null, null, null, "carol@example.com", null, null));
        searches.put("--since 2026-10-10 --until 2026-10-11 (one day)", AuditQuery.period(Instant.parse("2026-10-10T00:00:00Z"),
                Instant.parse("2026-10-11T00:00:00Z")));
        searches.put("no filter (every record)", AuditQuery.all());
        for (int round = 1; round <= 2; round++) {
            for (Map.Entry<String, AuditQuery> s : searches.entrySet()) {
                long t = System.nanoTime();
                long n = AuditSearch.run(dir, s.getValue(), AuditSearch.Format.TABLE, 0, sink);
                System.out.printf("round %d  search %-48s %,9d records  %6.2f s%n", round, s.getKey(), n, (System.nanoTime() - t) / 1e9);
            }
            long t = System.nanoTime();
            EvidenceReport report = EvidenceReport.of(dir, null, null, Instant.now());
            String html = ReportHtml.of(report);
            System.out.printf("round %d  report (whole log, verify included, HTML %,d KB)              %6.2f s%n", round, html.length() >> 10,
                    (System.nanoTime() - t) / 1e9);
        }
    }

    private static int write(Path dir, int records) throws IOException {
        int n = 0;
        try (AuditLog log = AuditLog.open(dir, AuditLog.Options.defaults())) {
            long step = Duration.ofDays(30).toMillis() / records;
            for (int i = 0; n < records; i++) {
                Instant at = START.plusMillis(i * step);
                int kind = i % 20;
                String verdict = kind < 14 ? "allow" : kind < 17 ? "deny" : "needs_approval";
                boolean iam = i % 3 == 0;
                String approval = verdict.equals("needs_approval") ? "apr_" + i : null;
                append(log, decision(i, at, verdict, iam, approval));
                n++;
                if (approval != null && n + 3 <= records) {
                    append(log, approval(approval, "created", at, iam, Map.of("decision_id", "d-" + i)));
                    String reviewer = i % 7 == 0 ? "carol@example.com" : "dan@example.com";
                    if (i % 11 == 0) {
                        append(log, approval(approval, "vote_refused", at.plusSeconds(30), iam, Map.of("reviewer", "alice@example.com",
                                "vote", "approve", "channel", "slack", "outcome", "self_approval")));
                        append(log, approval(approval, "expired", at.plusSeconds(3600), iam, Map.of("decided_by", "expiry")));
                    } else {
                        String vote = i % 5 == 0 ? "deny" : "approve";
                        append(log, approval(approval, "vote", at.plusSeconds(60 + i % 900), iam, Map.of("reviewer", reviewer, "vote", vote,
                                "channel", "slack", "comment", "checked the ticket CHG-" + i)));
                        append(log, approval(approval, vote.equals("deny") ? "denied" : "approved", at.plusSeconds(60 + i % 900), iam,
                                Map.of("decided_by", reviewer)));
                    }
                    n += 3;
                }
            }
            log.flush();
        }
        return n;
    }

    /** Appends within the log's queue bound: every 20,000 records, waits until those are written. */
    private static void append(AuditLog log, Map<String, Object> record) throws IOException {
        if (++appended % 20_000 == 0) {
            log.flush();
        }
        if (!log.append(record)) {
            throw new IllegalStateException("the audit log dropped a record");
        }
    }

    private static long appended;

    private static Map<String, Object> decision(int i, Instant at, String verdict, boolean iam, String approvalId) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "decision");
        r.put("decision_id", String.format("01JD%022d", i));
        r.put("time", at.toString());
        r.put("node", "node-" + (i % 3 + 1));
        r.put("caller", "gateway");
        r.put("via", "decisions");
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("actor", Map.of("id", "agent:bot-" + i % 50, "type", "agent", "roles", List.of("etl"), "on_behalf_of", "user" + i % 200 + "@example.com"));
        input.put("action", iam ? Map.of("name", "iam.role.grant", "command", "***", "intent", "grant reader to a new hire")
                : Map.of("name", "data.export", "command", "***", "intent", "quarterly report"));
        input.put("resource", Map.of("type", "table", "id", "prod.customers", "classification", "pii", "environment", "production",
                "region", "eu-west-1"));
        input.put("target", Map.of("region", i % 4 == 0 ? "us-east-1" : "eu-west-1", "endpoint", "s3://reports"));
        input.put("context", Map.of("model_id", "gpt-4.1", "dataset_origin", "crm", "compliance_tags", List.of("gdpr"), "source_ip", "10.1.2.3"));
        r.put("input", input);
        r.put("input_hash", "hmac-sha256:5f0c3a8e1d2b4c6f8a9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a");
        String rule = verdict.equals("allow") ? "identified actors may export" : verdict.equals("deny") ? "PII stays in the EU"
                : iam ? "role grants need two security approvers" : "agents need approval for production exports";
        List<String> controls = verdict.equals("allow") ? List.of() : verdict.equals("deny") ? List.of("ISO27001:A.5.34", "NIST-800-53:AC-4")
                : iam ? List.of("SOC2:CC6.2", "NIST-800-53:AC-2") : List.of("SOC2:CC6.1", "NIST-800-53:AC-3");
        r.put("verdict", verdict);
        r.put("reasons", List.of(Map.of("rule", rule, "package", "policies.export", "verdict", verdict, "message", "why " + rule,
                "source", "export/export.drl:26", "controls", controls)));
        if (approvalId != null) {
            r.put("approval", Map.of("id", approvalId, "status", "pending", "groups", List.of("data-governance"),
                    "quorum", Map.of("data-governance", 1), "ttl", "PT1H", "expires_at", at.plusSeconds(3600).toString()));
        }
        r.put("bundle_revision", i < 500_000 ? "sha256:1111" : "sha256:2222");
        r.put("evaluation_us", 14.2);
        return r;
    }

    private static Map<String, Object> approval(String id, String event, Instant at, boolean iam, Map<String, Object> details) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "approval");
        r.put("event", event);
        r.put("event_id", id + ":" + event);
        r.put("approval_id", id);
        r.put("time", at.toString());
        r.put("node", "node-1");
        r.put("status", event.equals("created") || event.startsWith("vote") ? "pending" : event);
        r.put("actor", "agent:bot-3");
        r.put("action", iam ? "iam.role.grant" : "data.export");
        r.put("rules", List.of(iam ? "role grants need two security approvers" : "agents need approval for production exports"));
        r.put("controls", iam ? List.of("SOC2:CC6.2", "NIST-800-53:AC-2") : List.of("SOC2:CC6.1", "NIST-800-53:AC-3"));
        r.putAll(details);
        return r;
    }
}
