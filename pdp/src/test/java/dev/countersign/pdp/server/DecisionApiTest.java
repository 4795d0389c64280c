package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.audit.AuditVerifier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /v1/decisions and GET /v1/decisions/{id} on a real node serving the starter policies. */
class DecisionApiTest {
    static final String PII_TO_US = """
            {"actor":    {"id": "agent:etl-bot", "type": "agent", "roles": ["etl"], "on_behalf_of": "alice@example.com"},
             "action":   {"name": "data.export", "command": "COPY customers TO 's3://x'", "intent": "quarterly report"},
             "resource": {"type": "table", "id": "prod.customers", "classification": "pii", "environment": "production", "region": "eu-west-1"},
             "target":   {"region": "us-east-1", "endpoint": "s3://x"},
             "context":  {"model_id": "gpt-4.1", "dataset_origin": "crm", "compliance_tags": ["gdpr"], "source_ip": "10.1.2.3"},
             "attributes": {"secret": "hunter2", "ticket": "T-1"}}""";
    static final String AGENT_EXPORT = """
            {"actor": {"id": "agent:etl-bot", "type": "agent"}, "action": {"name": "data.export"},
             "resource": {"environment": "production", "classification": "internal"}, "target": {"region": "eu-west-1"}}""";

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of("/action/command", "/attributes/secret")));
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @Test
    void aDenyNamesItsRulesAndWhereTheyAreWritten() throws Exception {
        var response = node.post("/v1/decisions", PII_TO_US, null);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        assertEquals("application/json", response.getHeader("Content-Type"));
        JsonObject d = response.bodyAsJsonObject();
        assertEquals("deny", d.getString("verdict"));
        assertTrue(d.getString("decision_id").matches("[0-9A-Z]{26}"));
        assertTrue(d.getString("bundle_revision").startsWith("sha256:"));
        JsonObject first = d.getJsonArray("reasons").getJsonObject(0);
        assertEquals("PII stays in the EU", first.getString("rule"));
        assertEquals("policies.export", first.getString("package"));
        assertEquals("deny", first.getString("verdict"));
        assertTrue(first.getString("source").matches("export/export\\.drl:\\d+"), first.getString("source"));
        assertFalse(d.containsKey("approval"));
    }

    @Test
    void aHeldActionCarriesItsApprovalRequirement() throws Exception {
        JsonObject d = node.post("/v1/decisions", AGENT_EXPORT, null).bodyAsJsonObject();
        assertEquals("needs_approval", d.getString("verdict"));
        JsonObject approval = d.getJsonObject("approval");
        assertEquals(new JsonArray().add("data-governance"), approval.getJsonArray("groups"));
        assertEquals(1, approval.getJsonObject("quorum").getInteger("data-governance"));
        assertEquals("PT1H", approval.getString("ttl"));
    }

    @Test
    void theRecordedDecisionShowsTheMaskedInput() throws Exception {
        String id = node.post("/v1/decisions", PII_TO_US, null).bodyAsJsonObject().getString("decision_id");
        var response = node.get("/v1/decisions/" + id, null);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        JsonObject record = response.bodyAsJsonObject();
        assertEquals(id, record.getString("decision_id"));
        assertEquals("deny", record.getString("verdict"));
        assertEquals("anonymous", record.getString("caller"));
        assertEquals("decisions", record.getString("via"));
        assertEquals("test-node", record.getString("node"));
        JsonObject input = record.getJsonObject("input");
        assertEquals("***", input.getJsonObject("action").getString("command"));
        assertEquals("***", input.getJsonObject("attributes").getString("secret"));
        assertEquals("T-1", input.getJsonObject("attributes").getString("ticket"));
        assertEquals("quarterly report", input.getJsonObject("action").getString("intent"));
        assertTrue(record.getString("input_hash").startsWith("hmac-sha256:"));
        assertFalse(response.bodyAsString().contains("hunter2"));
    }

    @Test
    void anUnknownDecisionIsA404() throws Exception {
        var response = node.get("/v1/decisions/01J00000000000000000000000", null);
        assertEquals(404, response.statusCode());
        assertEquals("not_found", response.bodyAsJsonObject().getString("code"));
    }

    @Test
    void everyDecisionLandsInTheAuditLogMaskedAndChained() throws Exception {
        String id = node.post("/v1/decisions", PII_TO_US, null).bodyAsJsonObject().getString("decision_id");
        node.server.audit().flush();
        Path auditDir = node.data.resolve("audit");
        String all;
        try (Stream<Path> files = Files.list(auditDir)) {
            StringBuilder text = new StringBuilder();
            for (Path f : files.sorted().toList()) {
                text.append(Files.readString(f));
            }
            all = text.toString();
        }
        assertTrue(all.contains("\"decision_id\":\"" + id + "\""), "the decision is in the audit log");
        assertFalse(all.contains("hunter2"), "masked values never reach the audit log");
        assertTrue(AuditVerifier.verify(auditDir).intact());
    }
}
