package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.rules.json.ActionContextJson;
import dev.countersign.rules.json.ActionContextReader;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who reads what: a decision record belongs to the client that asked for it (and admins), an approval
 * to its asking client, the reviewers of its groups and admins; to anyone else it does not exist.
 * Hashes shown to clients reveal nothing the mask hid. Identities are compared as identities, and one
 * person counts for one group of a requirement.
 */
class ReadScopesTest {
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "other", "other-token-0123456789",
            "carol", "carol-token-0123456789", "erin", "erin-token-0123456789", "admin", "admin-token-0123456789",
            "dan", "dan-token-0123456789");

    @TempDir
    static Path dir;
    static TestNode node;

    static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    @BeforeAll
    static void start() throws Exception {
        ReviewerDirectory reviewers = new ReviewerDirectory(Map.of(
                "security", List.of(new Reviewer("carol@example.com", null, null), new Reviewer("dan@example.com", null, null)),
                "data-governance", List.of(new Reviewer("carol@example.com", null, null), new Reviewer("dan@example.com", null, null)),
                "sre", List.of(new Reviewer("erin@example.com", null, null))));
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/security"), List.of(
                        client("gateway", Scope.DECIDE, null), client("other", Scope.DECIDE, null),
                        client("carol", Scope.REVIEW, "carol@example.com"), client("dan", Scope.REVIEW, "dan@example.com"),
                        client("erin", Scope.REVIEW, "erin@example.com"), client("admin", Scope.ADMIN, null)),
                        List.of("/attributes/pin"))
                .withReviewers(reviewers);
        node = TestNode.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static JsonObject decide(String body, String client) throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/decisions", body, TOKENS.get(client));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    static String grant(String actor) {
        return "{\"actor\": {\"id\": \"" + actor + "\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"}}";
    }

    @Test
    void aDecisionRecordIsReadOnlyByTheClientThatAskedAndByAdmins() throws Exception {
        String id = decide("{\"actor\": {\"id\": \"alice\"}, \"action\": {\"name\": \"data.read\"}}", "gateway").getString("decision_id");
        assertEquals(200, node.get("/v1/decisions/" + id, TOKENS.get("gateway")).statusCode());
        assertEquals(200, node.get("/v1/decisions/" + id, TOKENS.get("admin")).statusCode());
        HttpResponse<Buffer> other = node.get("/v1/decisions/" + id, TOKENS.get("other"));
        HttpResponse<Buffer> unknown = node.get("/v1/decisions/01ZZZZZZZZZZZZZZZZZZZZZZZZ", TOKENS.get("other"));
        assertEquals(404, other.statusCode(), "another client's decision does not exist for it");
        assertEquals(unknown.bodyAsJsonObject().getString("message").replace("01ZZZZZZZZZZZZZZZZZZZZZZZZ", id),
                other.bodyAsJsonObject().getString("message"), "answered exactly like an unknown id");
    }

    @Test
    void anApprovalIsReadByItsClientTheReviewersOfItsGroupsAndAdminsOnly() throws Exception {
        String id = decide(grant("frank"), "gateway").getJsonObject("approval").getString("id");
        for (String reader : List.of("gateway", "carol", "admin")) {
            HttpResponse<Buffer> r = node.get("/v1/approvals/" + id, TOKENS.get(reader));
            assertEquals(200, r.statusCode(), reader + ": " + r.bodyAsString());
        }
        for (String stranger : List.of("other", "erin")) {
            HttpResponse<Buffer> r = node.get("/v1/approvals/" + id + "?wait=1s", TOKENS.get(stranger));
            assertEquals(404, r.statusCode(), stranger);
            assertEquals("no approval " + id, r.bodyAsJsonObject().getString("message"));
        }
        HttpResponse<Buffer> vote = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"deny\"}", TOKENS.get("erin"));
        assertEquals(404, vote.statusCode(), "erin reviews sre only: she cannot vote on, or learn of, a security approval");
        assertEquals("pending", node.get("/v1/approvals/" + id, TOKENS.get("admin")).bodyAsJsonObject().getString("status"));
    }

    @Test
    void listingsShowAReviewerTheirOwnGroupsOnly() throws Exception {
        String id = decide(grant("grace"), "gateway").getJsonObject("approval").getString("id");
        assertTrue(listed("carol", "").contains(id));
        assertTrue(listed("carol", "&group=security").contains(id));
        assertTrue(listed("admin", "").contains(id));
        assertFalse(listed("erin", "").contains(id), "erin's list holds sre approvals only");
        assertFalse(listed("erin", "&group=security").contains(id), "asking for another group's shows nothing");
        assertEquals(List.of(), listed("erin", "&group=security"));
    }

    static List<String> listed(String client, String query) throws Exception {
        HttpResponse<Buffer> r = node.get("/v1/approvals?status=pending" + query, TOKENS.get(client));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonArray items = r.bodyAsJsonObject().getJsonArray("approvals");
        return items.stream().map(o -> ((JsonObject) o).getString("id")).toList();
    }

    @Test
    void aMaskedValueCannotBeRecoveredFromAnyHashShown() throws Exception {
        String body = "{\"actor\": {\"id\": \"frank\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"}, \"pin\": \"4721\"}";
        JsonObject held = decide(body, "gateway");
        JsonObject record = node.get("/v1/decisions/" + held.getString("decision_id"), TOKENS.get("gateway")).bodyAsJsonObject();
        JsonObject approval = node.get("/v1/approvals/" + held.getJsonObject("approval").getString("id"), TOKENS.get("gateway"))
                .bodyAsJsonObject();
        assertEquals("***", record.getJsonObject("input").getJsonObject("attributes").getString("pin"));
        String shown = record.getString("input_hash");
        assertEquals(shown, approval.getString("context_hash"));
        assertTrue(shown.startsWith("hmac-sha256:"), shown);
        // The attack: hash every four-digit pin in the canonical form and compare.
        String found = null;
        String foundPlain = null;
        String plainOfTruth = ActionContextJson.canonicalHash(new ActionContextReader().read(body.getBytes(StandardCharsets.UTF_8)));
        for (int pin = 0; pin < 10_000; pin++) {
            String guess = body.replace("4721", String.format("%04d", pin));
            String hash = ActionContextJson.canonicalHash(new ActionContextReader().read(guess.getBytes(StandardCharsets.UTF_8)));
            if (("hmac-sha256:" + hash.substring("sha256:".length())).equals(shown) || hash.equals(shown)) {
                found = guess;
            }
            if (hash.equals(plainOfTruth)) {
                foundPlain = guess;
            }
        }
        assertNotNull(foundPlain, "the attack finds the pin behind a plain SHA-256 of the input");
        assertNull(found, "and nothing behind the hash the node shows");
        String log = auditText();
        assertFalse(log.contains(plainOfTruth.substring("sha256:".length())), "the audit log holds no plain hash of the input");
        // Not as the value, wherever it would be written; inside a longer run of hex (a record's hash) it is chance.
        assertFalse(java.util.regex.Pattern.compile("(?<![0-9a-f])4721(?![0-9a-f])").matcher(log).find(), "nor the masked value");
    }

    @Test
    void anAuditorWithTheSecretFindsTheRecordsOfAGivenInput() throws Exception {
        String body = "{\"actor\": {\"id\": \"frank\"}, \"action\": {\"name\": \"data.read\"}, \"pin\": \"0042\"}";
        String recorded = node.get("/v1/decisions/" + decide(body, "gateway").getString("decision_id"), TOKENS.get("gateway"))
                .bodyAsJsonObject().getString("input_hash");
        Path input = dir.resolve("request.json");
        java.nio.file.Files.writeString(input, body.replace("{\"actor\"", "{\"approval_id\": null, \"actor\""));
        dev.countersign.pdp.cli.CliRun r = dev.countersign.pdp.cli.CliRun.run("audit", "hash", "--input", input.toString(),
                "--secret-file", node.data.resolve(CountersignServer.CLUSTER_SECRET_FILE).toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(recorded, r.out().strip(), "the same keyed hash, key order and envelope fields aside");
        assertTrue(auditText().contains(recorded));
        dev.countersign.pdp.cli.CliRun without = dev.countersign.pdp.cli.CliRun.run("audit", "hash", "--input", input.toString());
        assertEquals(2, without.status());
        assertTrue(without.err().contains("COUNTERSIGN_CLUSTER_SECRET"), without.err());
    }

    /** Everything in the node's audit log, once what is queued is written. */
    static String auditText() throws Exception {
        node.server.audit().flush();
        StringBuilder all = new StringBuilder();
        try (var files = java.nio.file.Files.list(node.data.resolve("audit"))) {
            for (Path f : files.sorted().toList()) {
                all.append(java.nio.file.Files.readString(f));
            }
        }
        return all.toString();
    }

    @ParameterizedTest(name = "on_behalf_of \"{0}\" is carol")
    @ValueSource(strings = {" carol@example.com", "CAROL@example.com.", "ｃａｒｏｌ@example.com", "Carol@EXAMPLE.com  ", "carol@example.com..",
            "carol@example.com .", "carol@example.com\uFF61", "carol@example\u3002com"})
    void whomTheActionIsForMayNotApproveItWhateverTheSpelling(String onBehalfOf) throws Exception {
        String id = decide("{\"actor\": {\"id\": \"agent:bot\", \"type\": \"agent\", \"on_behalf_of\": \"" + onBehalfOf + "\"},"
                + " \"action\": {\"name\": \"iam.role.grant\"}}", "gateway").getJsonObject("approval").getString("id");
        HttpResponse<Buffer> r = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol"));
        assertEquals(403, r.statusCode(), r.bodyAsString());
        assertEquals("self_approval", r.bodyAsJsonObject().getString("code"));
    }

    @ParameterizedTest(name = "an identity with U+{0} is refused")
    @ValueSource(strings = {"200B", "200D", "2060", "FEFF", "00AD", "3164", "202E", "180B", "17B4", "E0041"})
    void anIdentityWithAnInvisibleCharacterIsRefused(String codePoint) throws Exception {
        String sneaky = "carol" + new String(Character.toChars(Integer.parseInt(codePoint, 16))) + "@example.com";
        for (String field : List.of("id", "on_behalf_of")) {
            String body = "{\"actor\": {\"" + field + "\": \"" + sneaky + "\", \"type\": \"agent\"}, \"action\": {\"name\": \"iam.role.grant\"}}";
            HttpResponse<Buffer> r = node.post("/v1/decisions", body, TOKENS.get("gateway"));
            assertEquals(400, r.statusCode(), r.bodyAsString());
            assertEquals("/actor/" + field, r.bodyAsJsonObject().getString("location"));
            assertTrue(r.bodyAsJsonObject().getString("message").contains("U+" + codePoint), r.bodyAsString());
        }
    }

    @Test
    void aForwardAuthIdentityWithAnInvisibleCharacterIsRefused() throws Exception {
        HttpResponse<Buffer> r = node.client.get("/v1/authz/forward").putHeader("Authorization", "Bearer " + TOKENS.get("gateway"))
                .putHeader("X-Forwarded-Uri", "/x").putHeader("X-Forwarded-Method", "GET").putHeader("X-Forwarded-Host", "shop")
                .putHeader("X-Forwarded-User", new String("carol@example.com\u00AD".getBytes(StandardCharsets.ISO_8859_1),
                        StandardCharsets.ISO_8859_1))
                .send().toCompletionStage().toCompletableFuture().get();
        assertEquals(400, r.statusCode(), r.bodyAsString());
        assertEquals("X-Forwarded-User", r.bodyAsJsonObject().getString("location"));
    }

    @Test
    void aReviewerOfAnotherGroupCannotTellADecidedApprovalFromAnUnknownOne() throws Exception {
        String id = decide(grant("hank"), "gateway").getJsonObject("approval").getString("id");
        assertEquals(200, node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"deny\"}", TOKENS.get("carol")).statusCode());
        HttpResponse<Buffer> vote = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("erin"));
        assertEquals(404, vote.statusCode(), vote.bodyAsString());
        assertEquals("no approval " + id, vote.bodyAsJsonObject().getString("message"), "nothing of its state");
    }

    @Test
    void anotherClientsRedemptionAnswersLikeAnUnknownId() throws Exception {
        String body = "{\"actor\": {\"id\": \"ivan\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"}";
        String id = decide(body + "}", "gateway").getJsonObject("approval").getString("id");
        String unknown = "apr_" + "0".repeat(26);
        String asUnknown = redemption(body, unknown, "other");
        assertEquals(asUnknown.replace(unknown, "ID"), redemption(body, id, "other").replace(id, "ID"), "pending");
        node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol"));
        assertEquals(asUnknown.replace(unknown, "ID"), redemption(body, id, "other").replace(id, "ID"), "approved, right context");
        String wrongContext = body.replace("ivan", "mallory");
        assertEquals(asUnknown.replace(unknown, "ID"), redemption(wrongContext, id, "other").replace(id, "ID"), "approved, wrong context");
        assertTrue(redemption(body, id, "gateway").startsWith("approved by"), "its own client still redeems it");
        assertEquals(asUnknown.replace(unknown, "ID"), redemption(body, id, "other").replace(id, "ID"), "used");
    }

    /** The first reason of redeeming {@code approvalId} with the context {@code body} as {@code client}. */
    static String redemption(String body, String approvalId, String client) throws Exception {
        JsonObject d = decide(body + ", \"approval_id\": \"" + approvalId + "\"}", client);
        return d.getJsonArray("reasons").getJsonObject(0).getString("message");
    }

    @Test
    void onePersonCountsForOneGroupOfARequirement() throws Exception {
        String id = decide("{\"actor\": {\"id\": \"frank\", \"type\": \"human\"}, \"action\": {\"name\": \"prod.change\"}}", "gateway")
                .getJsonObject("approval").getString("id");
        JsonObject afterCarol = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol")).bodyAsJsonObject();
        assertEquals("pending", afterCarol.getString("status"), "carol is in both groups, and counts for one of them: " + afterCarol);
        JsonObject afterDan = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("dan")).bodyAsJsonObject();
        assertEquals("approved", afterDan.getString("status"), "two people for two groups");
        assertEquals(new JsonObject().put("security", 1).put("data-governance", 1), afterDan.getJsonObject("approvals"));
    }
}
