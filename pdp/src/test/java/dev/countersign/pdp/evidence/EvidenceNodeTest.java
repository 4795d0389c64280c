package dev.countersign.pdp.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.cli.CliRun;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.TestNode;
import dev.countersign.rules.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controls end to end on a real node serving the starter bundle: a held action's reasons and its
 * approval carry the controls of the rules that held it, a refused self-approval and the approval
 * are audited with them, and {@code audit search} and {@code audit report} read them back from the
 * node's own audit log.
 */
class EvidenceNodeTest {
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789",
            "alice", "alice-token-0123456789");
    static final String EXPORT = """
            {"actor": {"id": "agent:etl-bot", "type": "agent", "on_behalf_of": "alice@example.com"}, "action": {"name": "data.export"},
             "resource": {"environment": "production", "classification": "internal"}, "target": {"region": "eu-west-1"}}""";

    @TempDir
    Path dir;

    static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    @Test
    @SuppressWarnings("unchecked")
    void controlsTravelFromTheRuleToTheReportThroughANode() throws Exception {
        ReviewerDirectory reviewers = new ReviewerDirectory(Map.of("data-governance", List.of(
                new Reviewer("carol@example.com", null, null), new Reviewer("alice@example.com", null, null))));
        var config = TestNode.config(dir, Path.of("../policies"), List.of(client("gateway", Scope.DECIDE, null),
                client("carol", Scope.REVIEW, "carol@example.com"), client("alice", Scope.REVIEW, "alice@example.com")), List.of())
                .withReviewers(reviewers);
        String approvalId;
        try (TestNode node = TestNode.start(config)) {
            JsonObject held = node.post("/v1/decisions", EXPORT, TOKENS.get("gateway")).bodyAsJsonObject();
            assertEquals("needs_approval", held.getString("verdict"), held.encode());
            JsonObject reason = held.getJsonArray("reasons").getJsonObject(0);
            assertEquals("agents need approval for production exports", reason.getString("rule"));
            assertEquals(new JsonArray().add("SOC2:CC6.1").add("NIST-800-53:AC-3"), reason.getJsonArray("controls"));
            approvalId = held.getJsonObject("approval").getString("id");

            JsonObject approval = node.get("/v1/approvals/" + approvalId, TOKENS.get("carol")).bodyAsJsonObject();
            assertEquals(new JsonArray().add("SOC2:CC6.1").add("NIST-800-53:AC-3"), approval.getJsonArray("controls"), approval.encode());

            var self = node.post("/v1/approvals/" + approvalId + "/votes", "{\"vote\": \"approve\", \"comment\": \"mine\"}", TOKENS.get("alice"));
            assertEquals(403, self.statusCode(), self.bodyAsString());
            var vote = node.post("/v1/approvals/" + approvalId + "/votes", "{\"vote\": \"approve\", \"comment\": \"ok\"}", TOKENS.get("carol"));
            assertEquals(200, vote.statusCode(), vote.bodyAsString());
            long until = System.nanoTime() + 20_000_000_000L;
            while (!CliRun.run("audit", "search", dir.resolve("data/audit").toString(), "--approval", approvalId).out().contains("approval:approved")
                    && System.nanoTime() < until) {
                Thread.sleep(50);
            }
        }
        Path audit = dir.resolve("data/audit");
        CliRun search = CliRun.run("audit", "search", audit.toString(), "--control", "NIST-800-53:AC-3", "--format", "json");
        assertEquals(0, search.status(), search.err());
        List<String> found = new ArrayList<>();
        for (String line : search.out().split("\n")) {
            Map<String, Object> r = Json.MAPPER.readValue(line, Map.class);
            found.add(r.get("type").equals("decision") ? "decision" : (String) r.get("event"));
            assertEquals(List.of("SOC2:CC6.1", "NIST-800-53:AC-3"), r.get("type").equals("decision")
                    ? ((List<Map<String, Object>>) r.get("reasons")).get(0).get("controls") : r.get("controls"), line);
        }
        assertTrue(found.containsAll(List.of("decision", "created", "vote_refused", "vote", "approved")), found.toString());
        assertEquals("approved", found.get(0), "newest first: the approval's outcome comes first");
        assertTrue(found.indexOf("vote") < found.indexOf("vote_refused"), "the counted vote came after the refused one: " + found);

        CliRun report = CliRun.run("audit", "report", audit.toString(), "--format", "json");
        assertEquals(0, report.status(), report.err());
        Map<String, Object> r = Json.MAPPER.readValue(report.out(), Map.class);
        List<Map<String, Object>> self = (List<Map<String, Object>>) r.get("self_approvals_refused");
        assertEquals(1, self.size(), report.out());
        assertEquals("alice@example.com", self.get(0).get("reviewer"));
        Map<String, Object> first = ((List<Map<String, Object>>) ((Map<String, Object>) r.get("held_actions")).get("approvals")).get(0);
        assertEquals(approvalId, first.get("approval_id"));
        assertEquals("approved", first.get("status"));
        assertEquals("carol@example.com", first.get("decided_by"));
        assertEquals("data.export", first.get("action"));
        assertEquals(true, ((Map<String, Object>) r.get("chain")).get("intact"));
    }
}
