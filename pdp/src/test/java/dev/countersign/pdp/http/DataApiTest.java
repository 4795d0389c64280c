package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OPA-compatible Data API over raw HTTP, on a real node serving the starter policies plus one
 * extra package, {@code policies.exporter}, whose name starts with {@code policies.export} without
 * being below it, and a second deny in {@code policies.guard}, the package the starter manifest lists under {@code always}.
 */
class DataApiTest {
    /** Allowed by policies.export: an identified actor, no PII, outside production. */
    static final String EXPORT_ALLOWED = """
            {"actor": {"id": "alice@example.com", "type": "human"}, "action": {"name": "data.export"},
             "resource": {"classification": "internal", "environment": "staging"}, "target": {"region": "us-east-1"}}""";
    /** Denied by policies.export: PII leaving the EU. */
    static final String EXPORT_DENIED = """
            {"actor": {"id": "agent:etl-bot", "type": "agent"}, "action": {"name": "data.export"},
             "resource": {"classification": "pii", "environment": "staging"}, "target": {"region": "us-east-1"}}""";
    /** Held by policies.export: an agent exporting production data. */
    static final String EXPORT_HELD = """
            {"actor": {"id": "agent:etl-bot", "type": "agent"}, "action": {"name": "data.export"},
             "resource": {"classification": "internal", "environment": "production"}, "target": {"region": "eu-west-1"}}""";
    /** Allowed by policies.common only. */
    static final String READ = """
            {"action": {"name": "data.read"}}""";
    /** Allowed by policies.export, denied by the sibling package policies.exporter. */
    static final String EXPORT_PROBED = """
            {"actor": {"id": "alice@example.com", "type": "human"}, "action": {"name": "data.export"},
             "resource": {"classification": "internal", "environment": "staging"}, "target": {"region": "us-east-1"},
             "probe": "sibling"}""";
    /** Allowed by policies.export, denied by policies.guard, an always package: a suspended actor. */
    static final String EXPORT_SUSPENDED = """
            {"actor": {"id": "alice@example.com", "type": "human", "suspended": true}, "action": {"name": "data.export"},
             "resource": {"classification": "internal", "environment": "staging"}, "target": {"region": "us-east-1"}}""";

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        ServerConfig config = TestNode.config(dir, Path.of("../policies"), List.of(), List.of());
        Path exporter = config.bundle().resolve("exporter");
        Files.createDirectories(exporter);
        Files.copy(Path.of("src/test/resources/bundles/export-sibling/exporter/exporter.drl"), exporter.resolve("exporter.drl"));
        Path guard = config.bundle().resolve("guard");
        Files.createDirectories(guard);
        Files.copy(Path.of("src/test/resources/bundles/always-guard/guard/flagged.drl"), guard.resolve("flagged.drl"));
        node = TestNode.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static String input(String actionContext) {
        return "{\"input\": " + actionContext + "}";
    }

    static String query(String actionContext) {
        return URLEncoder.encode(new JsonObject(actionContext).encode(), StandardCharsets.UTF_8);
    }

    /** A path, an input, and the result document the path must answer. */
    record Document(String description, String path, String input, boolean allow, String verdict, String reason, boolean approval) {
    }

    @TestFactory
    Stream<DynamicTest> aPathAnswersTheResultOfItsPackageAndThoseBelow() {
        return Stream.of(
                new Document("an allowed export", "/v1/data/policies/export", EXPORT_ALLOWED, true, "allow", "identified actors may export", false),
                new Document("a denied export", "/v1/data/policies/export", EXPORT_DENIED, false, "deny", "PII stays in the EU", false),
                new Document("a held export is not allowed", "/v1/data/policies/export", EXPORT_HELD, false, "needs_approval",
                        "agents need approval for production exports", true),
                new Document("an export asked of package iam meets the default", "/v1/data/policies/iam", EXPORT_ALLOWED, false, "deny",
                        "default", false),
                new Document("a read asked of package export meets the default", "/v1/data/policies/export", READ, false, "deny", "default",
                        false),
                new Document("a read asked of package common", "/v1/data/policies/common", READ, true, "allow", "read-only actions are allowed",
                        false),
                new Document("a read asked of every package below policies", "/v1/data/policies", READ, true, "allow",
                        "read-only actions are allowed", false),
                new Document("a read asked at the root", "/v1/data", READ, true, "allow", "read-only actions are allowed", false),
                new Document("a read asked at the root, with a slash", "/v1/data/", READ, true, "allow", "read-only actions are allowed", false),
                new Document("package export leaves out its sibling exporter", "/v1/data/policies/export", EXPORT_PROBED, true, "allow",
                        "identified actors may export", false),
                new Document("package policies takes in exporter", "/v1/data/policies", EXPORT_PROBED, false, "deny", "the sibling package speaks",
                        false),
                new Document("the root takes in exporter", "/v1/data", EXPORT_PROBED, false, "deny", "the sibling package speaks", false),
                new Document("an always package denies a suspended actor through package export", "/v1/data/policies/export",
                        EXPORT_SUSPENDED, false, "deny", "flagged actors are denied", false),
                new Document("an always package denies a suspended actor through package iam", "/v1/data/policies/iam",
                        EXPORT_SUSPENDED, false, "deny", "flagged actors are denied", false),
                new Document("an always package is silent for an active actor", "/v1/data/policies/export", EXPORT_ALLOWED, true, "allow",
                        "identified actors may export", false)
        ).map(c -> DynamicTest.dynamicTest(c.description() + " (" + c.path() + ")", () -> {
            HttpResponse<Buffer> r = node.post(c.path(), input(c.input()), null);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals("application/json", r.getHeader("Content-Type"));
            JsonObject body = r.bodyAsJsonObject();
            assertTrue(body.getString("decision_id").matches("[0-9A-Z]{26}"), body.encode());
            JsonObject result = body.getJsonObject("result");
            assertNotNull(result, body.encode());
            assertEquals(c.allow(), result.getBoolean("allow"), result.encode());
            assertEquals(c.verdict(), result.getString("verdict"), result.encode());
            List<String> rules = rules(result.getJsonArray("reasons"));
            assertTrue(rules.contains(c.reason()), "reasons " + rules + " lack " + c.reason());
            assertEquals(c.approval(), result.containsKey("approval"), result.encode());
            assertTrue(result.getString("bundle_revision").startsWith("sha256:"), result.encode());
        }));
    }

    @Test
    void aHeldResultCarriesItsApprovalRequirement() throws Exception {
        JsonObject result = node.post("/v1/data/policies/export", input(EXPORT_HELD), null).bodyAsJsonObject().getJsonObject("result");
        JsonObject approval = result.getJsonObject("approval");
        assertEquals(new JsonArray().add("data-governance"), approval.getJsonArray("groups"));
        assertEquals(1, approval.getJsonObject("quorum").getInteger("data-governance"));
        assertEquals("PT1H", approval.getString("ttl"));
    }

    /** A path ending in a key of the result document, and the value it must answer. */
    record Value(String description, String path, String input, Object expected) {
    }

    @TestFactory
    Stream<DynamicTest> aPathEndingInAKeyAnswersThatValueAlone() {
        return Stream.of(
                new Value("allow of an allowed export", "/v1/data/policies/export/allow", EXPORT_ALLOWED, true),
                new Value("allow of a denied export", "/v1/data/policies/export/allow", EXPORT_DENIED, false),
                new Value("allow of a held export: needs_approval is not allow", "/v1/data/policies/export/allow", EXPORT_HELD, false),
                new Value("allow at the root", "/v1/data/allow", READ, true),
                new Value("allow of a read asked of package export", "/v1/data/policies/export/allow", READ, false),
                new Value("the verdict of a held export", "/v1/data/policies/export/verdict", EXPORT_HELD, "needs_approval"),
                new Value("the verdict of a denied export", "/v1/data/policies/export/verdict", EXPORT_DENIED, "deny")
        ).map(c -> DynamicTest.dynamicTest(c.description() + " (" + c.path() + ")", () -> {
            HttpResponse<Buffer> r = node.post(c.path(), input(c.input()), null);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            JsonObject body = r.bodyAsJsonObject();
            assertEquals(c.expected(), body.getValue("result"), body.encode());
            assertTrue(body.getString("decision_id").matches("[0-9A-Z]{26}"), body.encode());
        }));
    }

    @Test
    void theReasonsAndTheApprovalAreAddressableToo() throws Exception {
        JsonObject reasons = node.post("/v1/data/policies/export/reasons", input(EXPORT_DENIED), null).bodyAsJsonObject();
        JsonArray list = reasons.getJsonArray("result");
        assertEquals("PII stays in the EU", list.getJsonObject(0).getString("rule"), reasons.encode());
        assertEquals("policies.export", list.getJsonObject(0).getString("package"));

        JsonObject approval = node.post("/v1/data/policies/export/approval", input(EXPORT_HELD), null).bodyAsJsonObject();
        assertEquals(new JsonArray().add("data-governance"), approval.getJsonObject("result").getJsonArray("groups"), approval.encode());

        JsonObject revision = node.post("/v1/data/policies/export/bundle_revision", input(EXPORT_DENIED), null).bodyAsJsonObject();
        assertTrue(revision.getString("result").startsWith("sha256:"), revision.encode());
    }

    @Test
    void anAllowedExportHasNoApprovalToAddress() throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/data/policies/export/approval", input(EXPORT_ALLOWED), null);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonObject body = r.bodyAsJsonObject();
        assertFalse(body.containsKey("result"), body.encode());
        assertTrue(body.containsKey("decision_id"), "the decision was still made: " + body.encode());
    }

    @TestFactory
    Stream<DynamicTest> aPathThatNamesNoPackageIsUndefined() {
        return Stream.of("/v1/data/nothing", "/v1/data/policies/exp", "/v1/data/policies/export/nothing",
                "/v1/data/policies/export/allow/more", "/v1/data/policy/export/allow"
        ).map(path -> DynamicTest.dynamicTest(path, () -> {
            HttpResponse<Buffer> r = node.post(path, input(EXPORT_ALLOWED), null);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals(new JsonObject(), r.bodyAsJsonObject(), "an undefined document is an empty object, as in OPA");
        }));
    }

    @Test
    void getTakesTheInputAsAQueryParameter() throws Exception {
        JsonObject allow = node.get("/v1/data/policies/export/allow?input=" + query(EXPORT_ALLOWED), null).bodyAsJsonObject();
        assertEquals(Boolean.TRUE, allow.getValue("result"), allow.encode());
        JsonObject held = node.get("/v1/data/policies/export?input=" + query(EXPORT_HELD), null).bodyAsJsonObject();
        assertEquals("needs_approval", held.getJsonObject("result").getString("verdict"), held.encode());
        assertFalse(held.getJsonObject("result").getBoolean("allow"));
        HttpResponse<Buffer> undefined = node.get("/v1/data/nothing", null);
        assertEquals(200, undefined.statusCode());
        assertEquals(new JsonObject(), undefined.bodyAsJsonObject());
    }

    @Test
    void prettyIndentsTheSameDocument() throws Exception {
        HttpResponse<Buffer> flat = node.post("/v1/data/policies/export/allow", input(EXPORT_ALLOWED), null);
        HttpResponse<Buffer> pretty = node.post("/v1/data/policies/export/allow?pretty=true", input(EXPORT_ALLOWED), null);
        assertFalse(flat.bodyAsString().contains("\n"), flat.bodyAsString());
        assertTrue(pretty.bodyAsString().contains("\n  \"result\""), pretty.bodyAsString());
        assertEquals(Boolean.TRUE, pretty.bodyAsJsonObject().getValue("result"));
    }

    @Test
    void metricsAddTheTimingsOnlyWhenAsked() throws Exception {
        JsonObject plain = node.post("/v1/data/policies/export", input(EXPORT_ALLOWED), null).bodyAsJsonObject();
        assertFalse(plain.containsKey("metrics"), plain.encode());
        JsonObject body = node.post("/v1/data/policies/export?metrics=true", input(EXPORT_ALLOWED), null).bodyAsJsonObject();
        JsonObject metrics = body.getJsonObject("metrics");
        assertNotNull(metrics, body.encode());
        long handler = metrics.getLong("timer_server_handler_ns");
        long eval = metrics.getLong("timer_rego_query_eval_ns");
        assertTrue(eval > 0 && handler >= eval, metrics.encode());
        assertTrue(body.getJsonObject("result").getBoolean("allow"), "metrics do not change the result");
    }

    @Test
    void provenanceNamesTheBundleRevisionOnlyWhenAsked() throws Exception {
        JsonObject plain = node.post("/v1/data/policies/export", input(EXPORT_ALLOWED), null).bodyAsJsonObject();
        assertFalse(plain.containsKey("provenance"), plain.encode());
        JsonObject body = node.post("/v1/data/policies/export?provenance=true", input(EXPORT_ALLOWED), null).bodyAsJsonObject();
        JsonObject provenance = body.getJsonObject("provenance");
        assertNotNull(provenance, body.encode());
        assertTrue(provenance.getString("version").startsWith("countersign"), provenance.encode());
        assertEquals(body.getJsonObject("result").getString("bundle_revision"),
                provenance.getJsonObject("bundles").getJsonObject("starter").getString("revision"), body.encode());
    }

    @Test
    void v0TakesTheInputAsTheBodyAndAnswersTheBareDocument() throws Exception {
        HttpResponse<Buffer> r = node.post("/v0/data/policies/export", EXPORT_HELD, null);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonObject doc = r.bodyAsJsonObject();
        assertEquals("needs_approval", doc.getString("verdict"), doc.encode());
        assertFalse(doc.getBoolean("allow"));
        assertFalse(doc.containsKey("result"), "v0 answers the document itself: " + doc.encode());
        assertFalse(doc.containsKey("decision_id"), doc.encode());
        assertEquals("data-governance", doc.getJsonObject("approval").getJsonArray("groups").getString(0));
    }

    @TestFactory
    Stream<DynamicTest> v0AllowIsABareBoolean() {
        return Stream.of(new Value("allowed", "/v0/data/policies/export/allow", EXPORT_ALLOWED, "true"),
                new Value("denied", "/v0/data/policies/export/allow", EXPORT_DENIED, "false"),
                new Value("held", "/v0/data/policies/export/allow", EXPORT_HELD, "false"),
                new Value("the verdict", "/v0/data/policies/export/verdict", EXPORT_HELD, "\"needs_approval\"")
        ).map(c -> DynamicTest.dynamicTest(c.description(), () -> {
            HttpResponse<Buffer> r = node.post(c.path(), c.input(), null);
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals(c.expected(), r.bodyAsString());
        }));
    }

    @TestFactory
    Stream<DynamicTest> v0AnUndefinedDocumentIsA404() {
        return Stream.of(new Value("no such package", "/v0/data/nothing", EXPORT_ALLOWED, "data/nothing"),
                new Value("a sibling prefix", "/v0/data/policies/exp/allow", EXPORT_ALLOWED, "data/policies/exp/allow"),
                new Value("no approval on an allowed export", "/v0/data/policies/export/approval", EXPORT_ALLOWED,
                        "data/policies/export/approval")
        ).map(c -> DynamicTest.dynamicTest(c.description(), () -> {
            HttpResponse<Buffer> r = node.post(c.path(), c.input(), null);
            assertEquals(404, r.statusCode(), r.bodyAsString());
            JsonObject error = r.bodyAsJsonObject();
            assertEquals("undefined_document", error.getString("code"));
            assertTrue(error.getString("message").contains((String) c.expected()), error.getString("message"));
        }));
    }

    /** A bad request body, and the code and location of the 400 it must get. */
    record Bad(String description, String path, String body, String code, String location) {
    }

    @TestFactory
    Stream<DynamicTest> badInputIsA400ThatSaysWhatAndWhere() {
        String export = "/v1/data/policies/export";
        return Stream.of(
                new Bad("a name that is not a string", export, "{\"input\": {\"action\": {\"name\": 5}}}", "invalid_input", "/input/action/name"),
                new Bad("an actor that is not an object", export, "{\"input\": {\"actor\": \"alice\", \"action\": {\"name\": \"data.export\"}}}",
                        "invalid_input", "/input/actor"),
                new Bad("an input without an action", export, "{\"input\": {}}", "invalid_input", "/input/action"),
                new Bad("an input that is a list", export, "{\"input\": []}", "invalid_input", "/input"),
                new Bad("an input that is a string", export, "{\"input\": \"data.export\"}", "invalid_input", "/input"),
                new Bad("a tag that is not a string", export,
                        "{\"input\": {\"action\": {\"name\": \"model.deploy\"}, \"context\": {\"compliance_tags\": [\"gdpr\", 7]}}}",
                        "invalid_input", "/input/context/compliance_tags/1"),
                new Bad("rows given twice", export,
                        "{\"input\": {\"action\": {\"name\": \"data.export\"}, \"rows\": 5, \"attributes\": {\"rows\": 6}}}", "invalid_input",
                        "/input/rows"),
                new Bad("no input", export, "{}", "invalid_input", "/input"),
                new Bad("a null input", export, "{\"input\": null}", "invalid_input", "/input"),
                new Bad("a misspelt input", export, "{\"inptu\": {\"action\": {\"name\": \"data.export\"}}}", "invalid_input", "/input"),
                new Bad("no body at all", export, "", "invalid_input", "/input"),
                new Bad("no input at the root", "/v1/data", "{}", "invalid_input", "/input"),
                new Bad("a bad input to a key", export + "/allow", "{\"input\": {\"action\": {\"name\": false}}}", "invalid_input",
                        "/input/action/name"),
                new Bad("v0: a name that is not a string", "/v0/data/policies/export", "{\"action\": {\"name\": 5}}", "invalid_input",
                        "/action/name"),
                new Bad("v0: no action", "/v0/data/policies/export/allow", "{\"actor\": {\"id\": \"alice\"}}", "invalid_input", "/action")
        ).map(c -> DynamicTest.dynamicTest(c.description(), () -> {
            HttpResponse<Buffer> r = node.post(c.path(), c.body(), null);
            assertEquals(400, r.statusCode(), r.bodyAsString());
            JsonObject error = r.bodyAsJsonObject();
            assertEquals(c.code(), error.getString("code"), error.encode());
            assertEquals(c.location(), error.getString("location"), error.encode());
            assertFalse(error.getString("message").isBlank(), error.encode());
        }));
    }

    @Test
    void malformedJsonIsA400WithinTheInput() throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/data/policies/export", "{\"input\": {\"action\": {\"name\": \"data.export\"", null);
        assertEquals(400, r.statusCode(), r.bodyAsString());
        JsonObject error = r.bodyAsJsonObject();
        assertEquals("invalid_json", error.getString("code"), error.encode());
        assertTrue(error.getString("location").startsWith("/input"), error.encode());
        assertTrue(error.getString("message").contains("malformed JSON"), error.encode());
    }

    @Test
    void getWithBadOrMissingInputIsA400() throws Exception {
        String bad = URLEncoder.encode("{\"action\": {\"name\": 5}}", StandardCharsets.UTF_8);
        HttpResponse<Buffer> r = node.get("/v1/data/policies/export?input=" + bad, null);
        assertEquals(400, r.statusCode(), r.bodyAsString());
        assertEquals("/input/action/name", r.bodyAsJsonObject().getString("location"));
        HttpResponse<Buffer> missing = node.get("/v1/data/policies/export", null);
        assertEquals(400, missing.statusCode(), missing.bodyAsString());
        assertEquals("/input", missing.bodyAsJsonObject().getString("location"));
    }

    @Test
    void aBodyThatIsNotJsonIs415() throws Exception {
        HttpResponse<Buffer> r = node.client.post("/v1/data/policies/export").putHeader("Content-Type", "text/plain")
                .sendBuffer(Buffer.buffer(input(EXPORT_ALLOWED))).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(415, r.statusCode(), r.bodyAsString());
        assertEquals("unsupported_media_type", r.bodyAsJsonObject().getString("code"));
    }

    @Test
    void aDecisionMadeThroughTheDataApiIsRecorded() throws Exception {
        String id = node.post("/v1/data/policies/export/allow", input(EXPORT_HELD), null).bodyAsJsonObject().getString("decision_id");
        HttpResponse<Buffer> r = node.get("/v1/decisions/" + id, null);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonObject record = r.bodyAsJsonObject();
        assertEquals(id, record.getString("decision_id"));
        assertEquals("data_api", record.getString("via"));
        assertEquals("policies.export", record.getString("package"));
        assertEquals("needs_approval", record.getString("verdict"));
        assertEquals("agent:etl-bot", record.getJsonObject("input").getJsonObject("actor").getString("id"));

        String viaGet = node.get("/v1/data?input=" + query(READ), null).bodyAsJsonObject().getString("decision_id");
        JsonObject root = node.get("/v1/decisions/" + viaGet, null).bodyAsJsonObject();
        assertEquals("data_api", root.getString("via"), root.encode());
        assertFalse(root.containsKey("package"), "the root path asks every package: " + root.encode());
        assertEquals("allow", root.getString("verdict"));
    }

    static List<String> rules(JsonArray reasons) {
        assertInstanceOf(JsonArray.class, reasons);
        return reasons.stream().map(r -> ((JsonObject) r).getString("rule")).toList();
    }
}
