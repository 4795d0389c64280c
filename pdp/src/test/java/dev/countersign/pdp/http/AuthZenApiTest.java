package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** The AuthZEN endpoints on a real node: 400 rules, mapping, batches, discovery, X-Request-ID, scopes and approvals. */
class AuthZenApiTest {
    static final String GATEWAY = TestNode.TOKENS.get("gateway");
    static final String BASE = "https://pdp.example.com";
    static final String ALICE = "\"subject\": {\"type\": \"user\", \"id\": \"alice\"}";
    static final String BOB = "\"subject\": {\"type\": \"user\", \"id\": \"bob\"}";
    static final String WRITE = "\"action\": {\"name\": \"write\"}";
    static final String READ = "\"action\": {\"name\": \"can_read_user\"}";
    static final String RESOURCE = "\"resource\": {\"type\": \"user\", \"id\": \"jerry\"}";

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/authzen-approvals"), TestNode.withClients(), List.of())
                .withReviewers(new ReviewerDirectory(Map.of("data-governance", List.of(new Reviewer("carol@example.com", null, null)))))
                .withAuthZen(new ServerConfig.AuthZen(BASE));
        node = TestNode.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void anAllowIsTrueAndADenyIsFalseWithTheirReasons() throws Exception {
        JsonObject allowed = ok(AuthZenHandler.EVALUATION, "{" + ALICE + ", " + READ + ", " + RESOURCE + "}");
        assertEquals(true, allowed.getBoolean("decision"));
        JsonObject reason = allowed.getJsonObject("context").getJsonArray("reasons").getJsonObject(0);
        assertEquals("users are read freely", reason.getString("rule"));
        assertEquals("Anyone reads users", reason.getString("message"));
        assertTrue(reason.getString("source").matches("approvals\\.drl:\\d+"), reason.encode());
        assertEquals("allow", allowed.getJsonObject("context").getString("verdict"));

        JsonObject denied = ok(AuthZenHandler.EVALUATION, "{" + BOB + ", " + WRITE + ", " + RESOURCE + "}");
        assertEquals(false, denied.getBoolean("decision"));
        assertEquals("deny", denied.getJsonObject("context").getString("verdict"));
        assertEquals("default", denied.getJsonObject("context").getJsonArray("reasons").getJsonObject(0).getString("rule"));
    }

    @Test
    void rolesOwnerAndPropertiesMapOntoTheActionContext() throws Exception {
        String editor = "\"subject\": {\"type\": \"user\", \"id\": \"ann\", \"properties\": {\"roles\": [\"editor\"], \"department\": \"docs\"}}";
        String owned = "\"resource\": {\"type\": \"page\", \"id\": \"p1\", \"properties\": {\"owner\": \"ann\"}}";
        String edit = "\"action\": {\"name\": \"edit\"}";
        assertEquals(true, ok(AuthZenHandler.EVALUATION, "{" + editor + ", " + edit + ", " + owned + "}").getBoolean("decision"));
        String notOwned = "\"resource\": {\"type\": \"page\", \"id\": \"p1\", \"properties\": {\"owner\": \"bea\"}}";
        assertEquals(false, ok(AuthZenHandler.EVALUATION, "{" + editor + ", " + edit + ", " + notOwned + "}").getBoolean("decision"));
        String noRoles = "\"subject\": {\"type\": \"user\", \"id\": \"ann\", \"properties\": {\"department\": \"docs\"}}";
        assertEquals(false, ok(AuthZenHandler.EVALUATION, "{" + noRoles + ", " + edit + ", " + owned + "}").getBoolean("decision"));
        String ping = "\"action\": {\"name\": \"ping\"}";
        assertEquals(true, ok(AuthZenHandler.EVALUATION, "{" + ALICE + ", " + ping + ", " + RESOURCE
                + ", \"context\": {\"trusted\": true, \"time\": \"not a time\"}}").getBoolean("decision"));
    }

    @Test
    void anEvaluationIsRecordedWithItsMappedInput() throws Exception {
        String subject = "\"subject\": {\"type\": \"user\", \"id\": \"ann\", \"properties\": {\"roles\": [\"editor\"], \"team\": \"t1\"}}";
        String resource = "\"resource\": {\"type\": \"page\", \"id\": \"p1\", \"properties\": {\"owner\": \"ann\", \"size\": 3}}";
        JsonObject answer = ok(AuthZenHandler.EVALUATION, "{" + subject + ", \"action\": {\"name\": \"edit\", \"properties\": {\"soft\": true}}, "
                + resource + ", \"context\": {\"ip\": \"10.0.0.1\"}}");
        HttpResponse<Buffer> record = node.get("/v1/decisions/" + answer.getJsonObject("context").getString("decision_id"), GATEWAY);
        assertEquals(200, record.statusCode(), record.bodyAsString());
        JsonObject recorded = record.bodyAsJsonObject();
        assertEquals("authzen", recorded.getString("via"));
        JsonObject input = recorded.getJsonObject("input");
        JsonObject actor = input.getJsonObject("actor");
        assertEquals("ann", actor.getString("id"));
        assertEquals("user", actor.getString("type"));
        assertEquals(new JsonArray().add("editor"), actor.getJsonArray("roles"));
        assertEquals("ann", input.getJsonObject("resource").getString("owner"));
        assertEquals("page", input.getJsonObject("resource").getString("type"));
        assertEquals("edit", input.getJsonObject("action").getString("name"));
        assertTrue(record.bodyAsString().contains("\"team\":\"t1\"") && record.bodyAsString().contains("\"size\":3")
                && record.bodyAsString().contains("\"soft\":true") && record.bodyAsString().contains("\"ip\":\"10.0.0.1\""),
                record.bodyAsString());
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        JsonObject answer = ok(AuthZenHandler.EVALUATION, "{" + ALICE + ", " + READ + ", " + RESOURCE
                + ", \"foo\": \"bar\", \"futureField\": {\"nested\": true}}");
        assertEquals(true, answer.getBoolean("decision"));
    }

    @TestFactory
    Stream<DynamicTest> eachMalformedRequestIsA400NamingWhatIsWrong() {
        String parts = ALICE + ", " + READ + ", " + RESOURCE;
        Object[][] cases = {
                {"application/json", "{" + READ + ", " + RESOURCE + "}", "/subject"},
                {"application/json", "{" + ALICE + ", " + RESOURCE + "}", "/action"},
                {"application/json", "{" + ALICE + ", " + READ + "}", "/resource"},
                {"application/json", "{\"subject\": {\"id\": \"alice\"}, " + READ + ", " + RESOURCE + "}", "/subject/type"},
                {"application/json", "{\"subject\": {\"type\": \"user\"}, " + READ + ", " + RESOURCE + "}", "/subject/id"},
                {"application/json", "{\"subject\": {\"type\": \"user\", \"id\": 7}, " + READ + ", " + RESOURCE + "}", "/subject/id"},
                {"application/json", "{" + ALICE + ", \"action\": {}, " + RESOURCE + "}", "/action/name"},
                {"application/json", "{" + ALICE + ", \"action\": {\"name\": 123}, " + RESOURCE + "}", "/action/name"},
                {"application/json", "{" + ALICE + ", " + READ + ", \"resource\": {\"id\": \"x\"}}", "/resource/type"},
                {"application/json", "{" + ALICE + ", " + READ + ", \"resource\": {\"type\": \"user\"}}", "/resource/id"},
                {"application/json", "{\"subject\": \"alice\", " + READ + ", " + RESOURCE + "}", "/subject"},
                {"application/json", "{" + parts + ", \"context\": [1]}", "/context"},
                {"application/json", "{" + parts + ", \"context\": {\"approval_id\": \"nope\"}}", "/context/approval_id"},
                {"application/json", "{\"subject\": {\"type\": \"user\", \"id\": \"a\", \"properties\": {\"roles\": \"x\"}}, " + READ + ", "
                        + RESOURCE + "}", "/subject/properties/roles"},
                {"application/json", "{" + parts, null},
                {"application/json", "subject=alice&action=read", null},
                {"application/json", "", null},
                {"application/json", "[]", null},
                {"application/json", "{" + parts + "} {}", null},
                {"text/plain", "{" + parts + "}", "Content-Type"},
                {null, "{" + parts + "}", "Content-Type"},
        };
        return Stream.of(cases).map(c -> DynamicTest.dynamicTest(c[0] + " " + c[1], () -> {
            HttpResponse<Buffer> response = send(AuthZenHandler.EVALUATION, (String) c[0], (String) c[1], GATEWAY, "rid-400");
            assertEquals(400, response.statusCode(), response.bodyAsString());
            JsonObject error = response.bodyAsJsonObject();
            assertNotNull(error.getString("code"));
            assertNotNull(error.getString("message"));
            assertEquals(c[2], error.getString("location"), error.encode());
            assertEquals("rid-400", response.getHeader("X-Request-ID"));
        }));
    }

    @Test
    void aBatchWithMalformedOptionsOrEvaluationsIsA400() throws Exception {
        String parts = ALICE + ", " + READ + ", " + RESOURCE;
        HttpResponse<Buffer> notArray = send(AuthZenHandler.EVALUATIONS, "application/json", "{" + parts + ", \"evaluations\": {}}", GATEWAY, null);
        assertEquals(400, notArray.statusCode());
        assertEquals("/evaluations", notArray.bodyAsJsonObject().getString("location"));
        HttpResponse<Buffer> semantic = send(AuthZenHandler.EVALUATIONS, "application/json", "{" + parts
                + ", \"options\": {\"evaluations_semantic\": \"first\"}, \"evaluations\": [{}]}", GATEWAY, null);
        assertEquals(400, semantic.statusCode());
        assertEquals("/options/evaluations_semantic", semantic.bodyAsJsonObject().getString("location"));
    }

    @Test
    void eachItemReplacesADefaultWhole() throws Exception {
        JsonArray answers = batch("{" + ALICE + ", " + WRITE + ", " + RESOURCE + ", \"evaluations\": [{}, {" + BOB + "}, {" + READ
                + "}, {" + BOB + ", " + READ + "}]}");
        assertEquals(List.of(true, false, true, true), decisions(answers));
        String ping = "\"action\": {\"name\": \"ping\"}";
        JsonArray contexts = batch("{" + ALICE + ", " + ping + ", " + RESOURCE + ", \"context\": {\"trusted\": true, \"n\": 1},"
                + " \"evaluations\": [{}, {\"context\": {\"n\": 2}}, {\"context\": {\"trusted\": true}}]}");
        assertEquals(List.of(true, false, true), decisions(contexts));
    }

    @Test
    void aMalformedItemIsAFalseWithItsErrorAndTheBatchKeepsItsLength() throws Exception {
        JsonArray answers = batch("{" + ALICE + ", " + READ + ", \"evaluations\": [{" + RESOURCE + "}, {}, 7, {" + RESOURCE
                + ", \"action\": {\"name\": 5}}, {" + RESOURCE + "}]}");
        assertEquals(List.of(true, false, false, false, true), decisions(answers));
        JsonObject missing = answers.getJsonObject(1).getJsonObject("context").getJsonObject("error");
        assertEquals(400, missing.getInteger("status"));
        assertTrue(missing.getString("message").startsWith("/evaluations/1/resource: "), missing.encode());
        assertTrue(answers.getJsonObject(2).getJsonObject("context").getJsonObject("error").getString("message")
                .startsWith("/evaluations/2: expected an object"));
        assertTrue(answers.getJsonObject(3).getJsonObject("context").getJsonObject("error").getString("message")
                .startsWith("/evaluations/3/action/name: expected a string"));
    }

    @Test
    void theSemanticsShortCircuit() throws Exception {
        String items = "\"evaluations\": [{" + ALICE + "}, {" + BOB + "}, {" + ALICE + "}, {" + BOB + "}]";
        String defaults = WRITE + ", " + RESOURCE;
        assertEquals(List.of(true, false, true, false), decisions(batch("{" + defaults + ", " + items + "}")));
        assertEquals(List.of(true, false, true, false), decisions(batch("{" + defaults
                + ", \"options\": {\"evaluations_semantic\": \"execute_all\"}, " + items + "}")));
        assertEquals(List.of(true, false), decisions(batch("{" + defaults
                + ", \"options\": {\"evaluations_semantic\": \"deny_on_first_deny\"}, " + items + "}")));
        String bobFirst = "\"evaluations\": [{" + BOB + "}, {" + BOB + "}, {" + ALICE + "}, {" + BOB + "}]";
        assertEquals(List.of(false, false, true), decisions(batch("{" + defaults
                + ", \"options\": {\"evaluations_semantic\": \"permit_on_first_permit\"}, " + bobFirst + "}")));
        assertEquals(List.of(true), decisions(batch("{" + defaults
                + ", \"options\": {\"evaluations_semantic\": \"permit_on_first_permit\"}, " + items + "}")));
    }

    @Test
    void aBatchWithoutEvaluationsIsOneEvaluation() throws Exception {
        for (String tail : new String[]{"", ", \"evaluations\": []"}) {
            JsonObject answer = ok(AuthZenHandler.EVALUATIONS, "{" + ALICE + ", " + WRITE + ", " + RESOURCE + tail + "}");
            assertEquals(true, answer.getBoolean("decision"), answer.encode());
            assertNull(answer.getValue("evaluations"));
        }
        HttpResponse<Buffer> incomplete = send(AuthZenHandler.EVALUATIONS, "application/json", "{" + ALICE + ", " + WRITE + "}", GATEWAY, null);
        assertEquals(400, incomplete.statusCode());
        assertEquals("/resource", incomplete.bodyAsJsonObject().getString("location"));
    }

    @Test
    void discoveryAnnouncesTheConfiguredBaseUrlWithoutCredentials() throws Exception {
        HttpResponse<Buffer> response = node.client.get(AuthZenHandler.CONFIGURATION).putHeader("X-Request-ID", "disco").send()
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        assertEquals("disco", response.getHeader("X-Request-ID"));
        JsonObject metadata = response.bodyAsJsonObject();
        assertEquals(BASE, metadata.getString("policy_decision_point"));
        assertEquals(BASE + "/access/v1/evaluation", metadata.getString("access_evaluation_endpoint"));
        assertEquals(BASE + "/access/v1/evaluations", metadata.getString("access_evaluations_endpoint"));
    }

    @Test
    void callersNeedATokenWithTheDecideScopeAndTheirRequestIdIsEchoed() throws Exception {
        String body = "{" + ALICE + ", " + READ + ", " + RESOURCE + "}";
        HttpResponse<Buffer> anonymous = send(AuthZenHandler.EVALUATION, "application/json", body, null, "rid-401");
        assertEquals(401, anonymous.statusCode());
        assertEquals("rid-401", anonymous.getHeader("X-Request-ID"));
        HttpResponse<Buffer> admin = send(AuthZenHandler.EVALUATIONS, "application/json", body, TestNode.TOKENS.get("admin"), "rid-403");
        assertEquals(403, admin.statusCode());
        assertEquals("forbidden", admin.bodyAsJsonObject().getString("code"));
        assertEquals("rid-403", admin.getHeader("X-Request-ID"));
        HttpResponse<Buffer> allowed = send(AuthZenHandler.EVALUATION, "application/json", body, GATEWAY, "rid-200");
        assertEquals(200, allowed.statusCode());
        assertEquals("rid-200", allowed.getHeader("X-Request-ID"));
        HttpResponse<Buffer> none = send(AuthZenHandler.EVALUATION, "application/json", body, GATEWAY, null);
        assertNull(none.getHeader("X-Request-ID"));
    }

    @Test
    void aNeedsApprovalIsHeldThenItsRetryIsAllowedOnce() throws Exception {
        String ask = ALICE + ", \"action\": {\"name\": \"can_delete_user\"}, " + RESOURCE;
        JsonObject held = ok(AuthZenHandler.EVALUATION, "{" + ask + "}");
        assertEquals(false, held.getBoolean("decision"));
        JsonObject context = held.getJsonObject("context");
        assertEquals("needs_approval", context.getString("reason"));
        JsonObject approval = context.getJsonObject("approval");
        String id = approval.getString("id");
        assertTrue(id.startsWith("apr_"), approval.encode());
        assertEquals("pending", approval.getString("status"));
        assertNotNull(approval.getString("expires_at"));
        assertEquals(new JsonArray().add("data-governance"), approval.getJsonArray("groups"));

        HttpResponse<Buffer> record = node.get("/v1/approvals/" + id, GATEWAY);
        assertEquals(200, record.statusCode(), record.bodyAsString());

        String retry = "{" + ask + ", \"context\": {\"approval_id\": \"" + id + "\"}}";
        assertEquals(false, ok(AuthZenHandler.EVALUATION, retry).getBoolean("decision"), "not approved yet");
        HttpResponse<Buffer> vote = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TestNode.TOKENS.get("carol"));
        assertEquals(200, vote.statusCode(), vote.bodyAsString());

        JsonObject redeemed = ok(AuthZenHandler.EVALUATION, retry);
        assertEquals(true, redeemed.getBoolean("decision"), redeemed.encode());
        assertEquals(id, redeemed.getJsonObject("context").getJsonObject("approval").getString("id"));
        JsonObject again = ok(AuthZenHandler.EVALUATION, retry);
        assertFalse(again.getBoolean("decision"), "a grant is used once: " + again.encode());
    }

    private static List<Boolean> decisions(JsonArray answers) {
        return answers.stream().map(a -> ((JsonObject) a).getBoolean("decision")).toList();
    }

    private static JsonArray batch(String body) throws Exception {
        JsonObject answer = ok(AuthZenHandler.EVALUATIONS, body);
        JsonArray evaluations = answer.getJsonArray("evaluations");
        assertNotNull(evaluations, answer.encode());
        return evaluations;
    }

    private static JsonObject ok(String path, String body) throws Exception {
        HttpResponse<Buffer> response = send(path, "application/json", body, GATEWAY, null);
        assertEquals(200, response.statusCode(), response.bodyAsString());
        return response.bodyAsJsonObject();
    }

    private static HttpResponse<Buffer> send(String path, String type, String body, String token, String requestId) throws Exception {
        HttpRequest<Buffer> request = node.client.post(path);
        if (type != null) {
            request.putHeader("Content-Type", type);
        }
        if (token != null) {
            request.putHeader("Authorization", "Bearer " + token);
        }
        if (requestId != null) {
            request.putHeader("X-Request-ID", requestId);
        }
        return request.sendBuffer(Buffer.buffer(body)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
