package dev.countersign.pdp.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.cli.CliRun;
import dev.countersign.rules.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code audit search} and {@code audit report} through the command line, over {@link EvidenceLog}. */
class AuditSearchReportTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void write() throws IOException {
        EvidenceLog.write(dir);
        assertTrue(Files.list(dir).filter(p -> p.getFileName().toString().endsWith(".jsonl")).count() > 1, "the log should span files");
    }

    static Stream<Arguments> searches() {
        return Stream.of(
                Arguments.of("", "apr_4:created d7 apr_3:expired apr_3:created d6 d5 apr_2:denied apr_2:vote apr_2:created d4"
                        + " apr_1:approved apr_1:vote apr_1:vote_refused apr_1:created d3 d2 d1"),
                Arguments.of("--verdict deny", "d2"),
                Arguments.of("--verdict needs_approval --action data.export", "d7 d3"),
                Arguments.of("--control SOC2:CC6.2", "apr_3:expired apr_3:created d6 apr_2:denied apr_2:vote apr_2:created d4"),
                Arguments.of("--reviewer carol@example.com", "apr_1:approved apr_1:vote"),
                Arguments.of("--approval apr_1", "apr_1:approved apr_1:vote apr_1:vote_refused apr_1:created d3"),
                Arguments.of("--actor alice@example.com", "apr_4:created apr_1:approved apr_1:vote apr_1:vote_refused apr_1:created"),
                Arguments.of("--since 2026-11-02 --until 2026-11-03", "apr_3:created d6 d5 apr_2:denied apr_2:vote apr_2:created d4"),
                Arguments.of("--since 2026-11-01T09:02:00Z --until 2026-11-01T09:05:00Z", "apr_1:vote_refused apr_1:created d3"),
                Arguments.of("--rule|PII stays in the EU", "d2"),
                Arguments.of("--action iam.role.grant --limit 2", "apr_3:expired apr_3:created"),
                Arguments.of("--actor|" + EvidenceLog.HOSTILE, "d5"),
                Arguments.of("--control PCI:1 --verdict allow", ""));
    }

    /** Flags as one string, split at spaces, or at '|' when a value holds spaces. */
    private static List<String> flags(String flags) {
        if (flags.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(flags.contains("|") ? flags.split("\\|") : flags.split(" "));
    }

    @ParameterizedTest(name = "search {0}")
    @MethodSource("searches")
    @SuppressWarnings("unchecked")
    void searchFindsTheMatchingRecordsNewestFirst(String given, String expected) throws IOException {
        List<String> args = new ArrayList<>(List.of("audit", "search", dir.toString(), "--format", "json"));
        args.addAll(flags(given));
        CliRun run = CliRun.run(args.toArray(new String[0]));
        assertEquals(0, run.status(), run.err());
        List<String> ids = new ArrayList<>();
        for (String line : run.out().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> r = Json.MAPPER.readValue(line, Map.class);
            assertTrue(r.containsKey("hash") && r.containsKey("seq"), "records are shown as written: " + line);
            ids.add(r.get("type").equals("decision") ? (String) r.get("decision_id") : r.get("approval_id") + ":" + r.get("event"));
        }
        assertEquals(expected, String.join(" ", ids));
    }

    @Test
    void theTableShowsOneLinePerRecordWithoutControlCharacters() {
        CliRun run = CliRun.run("audit", "search", dir.toString(), "--approval", "apr_1");
        assertEquals(0, run.status(), run.err());
        String[] lines = run.out().split("\n");
        assertEquals(6, lines.length, run.out());
        assertTrue(lines[0].startsWith("TIME\tRECORD\tID\tVERDICT"), lines[0]);
        assertTrue(lines[1].contains("approval:approved\tapr_1\tapproved\tagent:etl\tdata.export\tcarol@example.com"), lines[1]);
        assertTrue(lines[3].contains("approval:vote_refused\tapr_1\tself_approval"), lines[3]);
        assertEquals("a?b?c", AuditSearch.cell("a\u001b[2Jb\u202ec".substring(0, 1) + "\u001bb\u202ec", 40));
    }

    static Stream<Arguments> badFlags() {
        return Stream.of(
                Arguments.of("--verdict maybe", "--verdict must be allow, deny or needs_approval, got \"maybe\""),
                Arguments.of("--since yesterday", "--since must be an ISO-8601 time such as 2026-12-01T09:00:00Z or a date such as 2026-12-01, got \"yesterday\""),
                Arguments.of("--since 2026-11-03 --until 2026-11-02", "--since (2026-11-03T00:00:00Z) must be before --until (2026-11-02T00:00:00Z)"),
                Arguments.of("--format xml", "--format must be json or table, got \"xml\""),
                Arguments.of("--limit -1", "--limit must be 0 (all) or more, got -1"),
                Arguments.of("--colour red", "Unknown options: '--colour', 'red'"));
    }

    @ParameterizedTest(name = "search {0}")
    @MethodSource("badFlags")
    void aBadFlagExitsTwoSayingWhatIsWrong(String given, String message) {
        List<String> args = new ArrayList<>(List.of("audit", "search", dir.toString()));
        args.addAll(flags(given));
        CliRun run = CliRun.run(args.toArray(new String[0]));
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains(message), run.err());
        assertEquals("", run.out());
    }

    @Test
    void aMissingLogExitsTwo() {
        CliRun search = CliRun.run("audit", "search", dir.resolve("nowhere").toString());
        assertEquals(2, search.status());
        assertTrue(search.err().contains("nowhere: no such file or directory"), search.err());
        CliRun report = CliRun.run("audit", "report", dir.resolve("nowhere").toString(), "--format", "xml");
        assertEquals(2, report.status());
        assertTrue(report.err().contains("--format must be html or json, got \"xml\""), report.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJsonReportHoldsTheFiguresOfThePeriod() throws IOException {
        CliRun run = CliRun.run("audit", "report", dir.toString(), "--format", "json");
        assertEquals(0, run.status(), run.err());
        Map<String, Object> r = Json.MAPPER.readValue(run.out(), Map.class);
        Map<String, Object> decisions = (Map<String, Object>) r.get("decisions");
        assertEquals(7, decisions.get("total"));
        assertEquals(Map.of("allow", 2, "deny", 1, "needs_approval", 4), decisions.get("by_verdict"));
        assertEquals(List.of(Map.of("day", "2026-11-01", "allow", 1, "deny", 1, "needs_approval", 1),
                Map.of("day", "2026-11-02", "allow", 1, "deny", 0, "needs_approval", 2),
                Map.of("day", "2026-11-03", "allow", 0, "deny", 0, "needs_approval", 1)), decisions.get("per_day"));
        Map<String, Object> held = (Map<String, Object>) r.get("held_actions");
        assertEquals(4, held.get("total"));
        assertEquals(List.of(1, 1, 1, 1), List.of(held.get("approved"), held.get("denied"), held.get("expired"), held.get("pending")));
        assertEquals(Map.of("decided", 2, "median", "PT3M", "p90", "PT15M"), held.get("time_to_decide"));
        Map<String, Object> first = ((List<Map<String, Object>>) held.get("approvals")).get(0);
        assertEquals("carol@example.com", first.get("decided_by"));
        assertEquals(List.of("SOC2:CC6.1", "NIST-800-53:AC-3"), first.get("controls"));
        assertEquals(EvidenceLog.HOSTILE, ((List<Map<String, Object>>) first.get("votes")).get(0).get("comment"));
        assertEquals(List.of("apr_3"), ((List<Map<String, Object>>) r.get("expired_approvals")).stream().map(a -> a.get("approval_id")).toList());
        List<Map<String, Object>> self = (List<Map<String, Object>>) r.get("self_approvals_refused");
        assertEquals(1, self.size());
        assertEquals("alice@example.com", self.get(0).get("reviewer"));
        Map<String, Object> cc62 = ((List<Map<String, Object>>) r.get("controls")).stream()
                .filter(c -> c.get("control").equals("SOC2:CC6.2")).findFirst().orElseThrow();
        assertEquals(Map.of("allow", 0, "deny", 0, "needs_approval", 2), cc62.get("decisions"));
        assertEquals(List.of(2, 0, 1, 1), List.of(cc62.get("approvals"), cc62.get("approved"), cc62.get("denied"), cc62.get("expired")));
        List<Map<String, Object>> revisions = (List<Map<String, Object>>) r.get("bundle_revisions");
        assertEquals(List.of(EvidenceLog.REV_A, EvidenceLog.REV_B), revisions.stream().map(v -> v.get("bundle_revision")).toList());
        assertEquals(List.of(3, 4), revisions.stream().map(v -> v.get("decisions")).toList());
        Map<String, Object> chain = (Map<String, Object>) r.get("chain");
        assertEquals(true, chain.get("intact"));
        assertEquals(18, chain.get("records"), "the checkpoint is in the chain, though not read");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPeriodTakesTheApprovalsCreatedInItWithWhatBecameOfThem() throws IOException {
        CliRun run = CliRun.run("audit", "report", dir.toString(), "--since", "2026-11-02", "--until", "2026-11-03", "--format", "json");
        assertEquals(0, run.status(), run.err());
        Map<String, Object> r = Json.MAPPER.readValue(run.out(), Map.class);
        assertEquals(3, ((Map<String, Object>) r.get("decisions")).get("total"));
        Map<String, Object> held = (Map<String, Object>) r.get("held_actions");
        assertEquals(List.of("apr_2", "apr_3"), ((List<Map<String, Object>>) held.get("approvals")).stream().map(a -> a.get("approval_id")).toList());
        assertEquals(1, held.get("expired"), "apr_3 expired on the next day, after the period: still told");
        assertEquals(List.of(), r.get("self_approvals_refused"));
    }

    @Test
    void theHtmlReportIsSelfContainedAndShowsRecordTextAsText() throws IOException {
        Path out = dir.resolveSibling(dir.getFileName() + "-report.html");
        CliRun run = CliRun.run("audit", "report", dir.toString(), "--out", out.toString());
        assertEquals(0, run.status(), run.err());
        String html = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "the hostile comment is shown as text");
        assertFalse(html.toLowerCase().contains("<script"), "no script element");
        assertFalse(html.matches("(?s).*(src|href)=.*"), "nothing to fetch");
        assertTrue(html.contains("<svg"), "charts are inline SVG");
        assertTrue(html.contains("<b data-figure=\"decisions\">7</b>"), "the figures are there");
    }

    @Test
    void aReportOfABrokenChainSaysSoAndExitsOne() throws IOException {
        Path copy = dir.resolveSibling(dir.getFileName() + "-edited");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path first = copy.resolve("audit-000001.jsonl");
        Files.writeString(first, Files.readString(first).replace("\"verdict\":\"deny\"", "\"verdict\":\"allow\""));
        CliRun run = CliRun.run("audit", "report", copy.toString());
        assertEquals(1, run.status(), run.err());
        String chain = run.out().substring(run.out().indexOf("data-figure=\"chain\""));
        assertTrue(chain.startsWith("data-figure=\"chain\"><span class=\"bad\">BROKEN</span> at <code>"), chain);
        assertTrue(chain.contains("audit-000001.jsonl:2</code>: hash mismatch (the record was edited)"), chain);
    }
}
