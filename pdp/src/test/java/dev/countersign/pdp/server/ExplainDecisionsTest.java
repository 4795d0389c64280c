package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/decisions?explain=full} through a real node serving the starter bundle: an admin
 * (with the decide scope, which the route needs) gets the decision, made and recorded as without
 * the parameter, with an {@code explanation}; a client without the admin scope gets a 403 and an
 * unknown value a 400, both as the usual JSON error and before anything is decided.
 */
class ExplainDecisionsTest {
    private static final String HUMAN_EXPORT = "{\"actor\": {\"id\": \"bob\", \"type\": \"human\"}, \"action\": {\"name\": \"data.export\"},"
            + " \"resource\": {\"classification\": \"internal\", \"environment\": \"production\"}, \"target\": {\"region\": \"eu-west-1\"}}";

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(TestNode.config(dir, Path.of("../policies"), TestNode.withClients(), List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @Test
    void anAdminGetsTheDecisionWithItsExplanation() throws Exception {
        HttpResponse<Buffer> plain = node.post("/v1/decisions", HUMAN_EXPORT, TestNode.TOKENS.get("ops"));
        HttpResponse<Buffer> explained = node.post("/v1/decisions?explain=full", HUMAN_EXPORT, TestNode.TOKENS.get("ops"));
        assertEquals(200, explained.statusCode(), explained.bodyAsString());
        JsonObject body = explained.bodyAsJsonObject();
        assertNull(plain.bodyAsJsonObject().getValue("explanation"));
        assertEquals(plain.bodyAsJsonObject().getString("verdict"), body.getString("verdict"));
        assertEquals(plain.bodyAsJsonObject().getJsonArray("reasons"), body.getJsonArray("reasons"));
        assertEquals("allow", body.getString("verdict"));

        JsonArray rules = body.getJsonObject("explanation").getJsonArray("rules");
        JsonObject agents = rule(rules, "agents need approval for production exports");
        assertFalse(agents.getBoolean("fired"));
        assertEquals("failed", agents.getString("outcome"));
        JsonObject actor = agents.getJsonArray("conditions").getJsonObject(1);
        assertEquals("Actor( type == \"agent\" )", actor.getString("text"));
        assertEquals("export/export.drl:29:5", actor.getString("source"));
        JsonObject constraint = actor.getJsonArray("constraints").getJsonObject(0);
        assertEquals("failed", constraint.getString("outcome"));
        assertEquals(new JsonObject().put("type", "human"), constraint.getJsonObject("values"));
        assertTrue(rule(rules, "identified actors may export").getBoolean("fired"));
        for (Object r : rules) {
            assertTrue(((JsonObject) r).getString("package").startsWith("policies."), r.toString());
            assertFalse(((JsonObject) r).getString("rule").startsWith("no self-grants"), "rules whose anchor did not match are left out");
        }

        HttpResponse<Buffer> record = node.get("/v1/decisions/" + body.getString("decision_id"), TestNode.TOKENS.get("ops"));
        assertEquals(200, record.statusCode(), "the explained decision is recorded like any other: " + record.bodyAsString());
        assertEquals("allow", record.bodyAsJsonObject().getString("verdict"));
    }

    @Test
    void aClientWithoutTheAdminScopeIsRefused() throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/decisions?explain=full", HUMAN_EXPORT, TestNode.TOKENS.get("gateway"));
        assertEquals(403, r.statusCode(), r.bodyAsString());
        assertEquals("forbidden", r.bodyAsJsonObject().getString("code"));
        assertTrue(r.bodyAsJsonObject().getString("message").contains("admin scope"), r.bodyAsString());
    }

    @Test
    void anUnknownExplainValueIsABadRequest() throws Exception {
        for (String value : List.of("yes", "", "FULL")) {
            HttpResponse<Buffer> r = node.post("/v1/decisions?explain=" + value, HUMAN_EXPORT, TestNode.TOKENS.get("ops"));
            assertEquals(400, r.statusCode(), value + ": " + r.bodyAsString());
            assertEquals("invalid_parameter", r.bodyAsJsonObject().getString("code"));
            assertEquals("explain must be full (or be left out)", r.bodyAsJsonObject().getString("message"));
        }
    }

    private static JsonObject rule(JsonArray rules, String name) {
        for (Object r : rules) {
            if (((JsonObject) r).getString("rule").equals(name)) {
                return (JsonObject) r;
            }
        }
        throw new AssertionError("rule \"" + name + "\" is not explained: " + rules.encodePrettily());
    }
}
