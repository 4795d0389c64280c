package dev.countersign.pdp.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.countersign.pdp.cli.CliRun;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.http.DecisionsHandler;
import dev.countersign.pdp.server.TestNode;
import dev.countersign.rules.json.ActionContextJson;
import dev.countersign.rules.json.ActionContextReader;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attestations on a real node: a redeemed approval's decision carries a compact JWS that verifies
 * with the product's own check, with its CLI, and with an independent JOSE implementation (node's
 * jose) against the node's JWKS; a tampered, wrongly signed, expired or other-context token fails
 * with its reason.
 */
class AttestationTest {
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789");

    @TempDir
    static Path dir;
    static TestNode node;
    /** One redemption, shared by the tests: its request body, its answer and its token. */
    static String body;
    static JsonObject redeemed;
    static String token;
    static JsonObject jwks;

    @BeforeAll
    static void start() throws Exception {
        ReviewerDirectory reviewers = new ReviewerDirectory(Map.of(
                "data-governance", List.of(new Reviewer("carol@example.com", "U0CAROL", null))));
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/approvals"), List.of(
                        new ClientConfig("gateway", Authenticator.sha256Hex(TOKENS.get("gateway")), EnumSet.of(Scope.DECIDE), null),
                        new ClientConfig("carol", Authenticator.sha256Hex(TOKENS.get("carol")), EnumSet.of(Scope.REVIEW), "carol@example.com")),
                List.of("/action/command"))
                .withReviewers(reviewers);
        node = TestNode.start(config);
        body = "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\", \"on_behalf_of\": \"alice@example.com\"},"
                + " \"action\": {\"name\": \"data.export\", \"command\": \"COPY customers TO 's3://x'\", \"intent\": \"quarterly report\"},"
                + " \"resource\": {\"type\": \"table\", \"id\": \"prod.customers\", \"environment\": \"production\"},"
                + " \"context\": {\"model_id\": \"gpt-4.1\", \"dataset_origin\": \"crm\", \"compliance_tags\": [\"gdpr\", \"sox\"]}}";
        JsonObject held = decide(body);
        assertEquals("needs_approval", held.getString("verdict"));
        assertNull(held.getString("attestation"), "a held action is not attested");
        String id = held.getJsonObject("approval").getString("id");
        HttpResponse<Buffer> voted = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\", \"comment\": \"checked the bucket\"}",
                TOKENS.get("carol"));
        assertEquals(200, voted.statusCode(), voted.bodyAsString());
        redeemed = decide(body.substring(0, body.length() - 1) + ", \"approval_id\": \"" + id + "\"}");
        assertEquals("allow", redeemed.getString("verdict"), redeemed.encode());
        token = redeemed.getString("attestation");
        assertNotNull(token, redeemed.encode());
        HttpResponse<Buffer> keys = node.get("/.well-known/jwks.json", null);
        assertEquals(200, keys.statusCode());
        assertEquals("application/jwk-set+json", keys.getHeader("Content-Type"));
        jwks = keys.bodyAsJsonObject();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static JsonObject decide(String json) throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/decisions", json, TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    static Map<String, Object> tree(String json) throws Exception {
        return ActionContextJson.toTree(new ActionContextReader(ActionContextReader.DEFAULT_MAX_DEPTH, DecisionsHandler.ENVELOPE)
                .readDocument(json.getBytes(StandardCharsets.UTF_8)).context());
    }

    static JWKSet keys() throws Exception {
        return JWKSet.parse(jwks.encode());
    }

    @Test
    void theTokenSaysWhoApprovedWhatUnderWhichRule() throws Exception {
        AttestationCheck.Result r = AttestationCheck.check(token, keys(), Instant.now(), tree(body));
        assertTrue(r.valid(), r.problems().toString());
        JsonObject claims = new JsonObject(r.claims());
        assertEquals(redeemed.getString("decision_id"), claims.getString("decision_id"));
        assertEquals(redeemed.getJsonObject("approval").getString("id"), claims.getString("approval_id"));
        assertEquals("allow", claims.getString("verdict"));
        assertEquals(new JsonObject().put("id", "agent:etl-bot").put("type", "agent").put("on_behalf_of", "alice@example.com"),
                claims.getJsonObject("actor"));
        assertEquals(new JsonObject().put("name", "data.export"), claims.getJsonObject("action"));
        assertEquals(new JsonObject().put("type", "table").put("id", "prod.customers"), claims.getJsonObject("resource"));
        assertEquals(new JsonObject().put("model_id", "gpt-4.1").put("dataset_origin", "crm")
                .put("compliance_tags", new JsonArray().add("gdpr").add("sox")), claims.getJsonObject("lineage"));
        JsonObject approver = claims.getJsonArray("approvers").getJsonObject(0);
        assertEquals(1, claims.getJsonArray("approvers").size());
        assertEquals("carol@example.com", approver.getString("reviewer"));
        assertEquals(new JsonArray().add("data-governance"), approver.getJsonArray("groups"));
        assertEquals("checked the bucket", approver.getString("comment"));
        assertEquals("api", approver.getString("channel"));
        assertNotNull(Instant.parse(approver.getString("time")));
        JsonObject rule = claims.getJsonArray("rules").getJsonObject(0);
        assertEquals("agent exports of production data need data governance", rule.getString("rule"));
        assertEquals("approvals.drl:3", rule.getString("source"));
        assertEquals(new JsonArray().add("SOC2:CC6.1").add("NIST-800-53:AC-3"), rule.getJsonArray("controls"), "the controls the rule names");
        assertEquals(redeemed.getString("bundle_revision"), claims.getString("bundle_revision"));
        long iat = claims.getLong("iat");
        long exp = claims.getLong("exp");
        assertEquals(3600, exp - iat, 5, "valid for the rest of the grant's hour");
        assertEquals(ActionContextJson.canonicalHash(tree(body)), claims.getString("context_sha256"));
        assertTrue(claims.getString("context_sha256").matches("sha256:[0-9a-f]{64}"));
        assertEquals(SignedJWT.parse(token).getHeader().getKeyID(), keys().getKeys().get(0).getKeyID(), "signed with the key served first");
    }

    @Test
    void anIndependentJoseImplementationVerifiesItAndRecomputesTheContextHash() throws Exception {
        JsonObject out = JoseNode.verify(List.of(token), jwks, new JsonObject(body));
        JsonObject result = out.getJsonArray("results").getJsonObject(0);
        assertTrue(result.getBoolean("ok"), result.encode());
        assertEquals("ES256", result.getJsonObject("header").getString("alg"));
        assertEquals(Attestor.TYPE, result.getJsonObject("header").getString("typ"));
        JsonObject payload = result.getJsonObject("payload");
        assertEquals(redeemed.getString("decision_id"), payload.getString("decision_id"));
        assertEquals(payload.getString("context_sha256"), out.getString("context_sha256"),
                "the executor's own canonical SHA-256 of the body it is about to run matches the signed one");
    }

    @Test
    void theCliVerifiesAgainstAJwksFileOrTheNodesUrl() throws Exception {
        Path jwksFile = dir.resolve("jwks.json");
        Files.writeString(jwksFile, jwks.encode());
        Path context = dir.resolve("context.json");
        Files.writeString(context, body);
        CliRun byFile = CliRun.run("attest", "verify", token, "--jwks", jwksFile.toString(), "--context", context.toString());
        assertEquals(0, byFile.status(), byFile.out() + byFile.err());
        assertTrue(byFile.out().contains("VERIFIED: signature, expiry and context hash check out"), byFile.out());
        assertTrue(byFile.out().contains("\"approval_id\" : \"" + redeemed.getJsonObject("approval").getString("id") + "\""), byFile.out());
        CliRun byUrl = CliRun.run("attest", "verify", token, "--jwks", "http://127.0.0.1:" + node.server.port() + "/.well-known/jwks.json");
        assertEquals(0, byUrl.status(), byUrl.out() + byUrl.err());
        Path other = dir.resolve("other.json");
        Files.writeString(other, body.replace("quarterly report", "something else"));
        CliRun otherContext = CliRun.run("attest", "verify", token, "--jwks", jwksFile.toString(), "--context", other.toString());
        assertEquals(1, otherContext.status(), otherContext.out());
        assertTrue(otherContext.out().contains("INVALID: the context hashes to"), otherContext.out());
        CliRun unreadable = CliRun.run("attest", "verify", token, "--jwks", dir.resolve("missing.json").toString());
        assertEquals(2, unreadable.status());
    }

    @Test
    void theAuditRecordKeepsTheTokensHashNotTheToken() throws Exception {
        String id = redeemed.getString("decision_id");
        JsonObject record = node.get("/v1/decisions/" + id, TOKENS.get("gateway")).bodyAsJsonObject();
        assertEquals(Attestor.tokenHash(token), record.getJsonObject("attestation").getString("token_sha256"), record.encode());
        assertEquals(SignedJWT.parse(token).getHeader().getKeyID(), record.getJsonObject("attestation").getString("kid"));
        node.server.audit().flush();
        try (Stream<Path> files = Files.list(node.data.resolve("audit"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String text = Files.readString(f);
                assertFalse(text.contains(token), "the token itself is not in " + f);
                assertFalse(text.contains(ActionContextJson.canonicalHash(tree(body))), "nor the plain context hash");
            }
        }
    }

    @Test
    void aKeyForgedIntoTheClusterIsNotServed() throws Exception {
        SigningKeys forged = SigningKeys.of(SigningKeys.generatePem(), List.of());
        String forgedKid = forged.currentKid();
        node.server.hazelcast().getReplicatedMap(PublishedKeys.MAP).put("intruder",
                new dev.countersign.cluster.member.MemberPublications.Sealed("intruder", forged.publicKeys().toString(), "00".repeat(32)));
        JWKSet served = JWKSet.parse(node.get("/.well-known/jwks.json", null).bodyAsString());
        assertNull(served.getKeyByKeyId(forgedKid), "an entry failing its seal is left out");
        assertNotNull(served.getKeyByKeyId(SignedJWT.parse(token).getHeader().getKeyID()));
        String metrics = node.server.metrics().scrape();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("countersign_state_tampered_total") && !l.endsWith(" 0.0")), metrics);
        node.server.hazelcast().getReplicatedMap(PublishedKeys.MAP).remove("intruder");
    }

    @Test
    void anAllowWithoutAnApprovalIsNotSignedByDefault() throws Exception {
        JsonObject read = decide("{\"actor\": {\"id\": \"bob\", \"type\": \"human\"}, \"action\": {\"name\": \"data.read\"}}");
        assertEquals("allow", read.getString("verdict"));
        assertNull(read.getString("attestation"));
    }

    static Stream<Arguments> badTokens() throws Exception {
        String[] parts = token.split("\\.");
        JsonObject payload = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.copy().put("actor", new JsonObject().put("id", "mallory")).encode().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
        SigningKeys other = SigningKeys.of(SigningKeys.generatePem(), List.of());
        String otherKey = other.sign(Attestor.TYPE, claims);
        String[] o = otherKey.split("\\.");
        String otherKeyOurKid = parts[0] + "." + o[1] + "." + o[2];
        return Stream.of(
                Arguments.of("tampered claims", tampered, null, Instant.now(), "the signature does not verify", false),
                Arguments.of("a wrong key", otherKey, null, Instant.now(), "which is not in the JWKS", false),
                Arguments.of("a wrong key under our kid", otherKeyOurKid, null, Instant.now(), "the signature does not verify", false),
                Arguments.of("expired", token, null, claims.getExpirationTime().toInstant().plusSeconds(1), "expired at", true),
                Arguments.of("another context", token, body.replace("prod.customers", "prod.payroll"), Instant.now(),
                        "another action context than the one approved", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void aBadTokenFailsWithItsReason(String what, String bad, String context, Instant now, String reason, boolean signatureGood)
            throws Exception {
        AttestationCheck.Result r = AttestationCheck.check(bad, keys(), now, context == null ? null : tree(context));
        assertFalse(r.valid(), what);
        assertTrue(r.problems().stream().anyMatch(p -> p.contains(reason)), what + ": " + r.problems());
        JsonObject jose = JoseNode.verify(List.of(bad), jwks, null).getJsonArray("results").getJsonObject(0);
        assertEquals(signatureGood, jose.getBoolean("ok"), what + " per jose: " + jose.encode());
    }

    @Test
    void everyAllowIsSignedUnderSignAll() throws Exception {
        ServerConfig config = TestNode.config(dir.resolve("all"), Path.of("src/test/resources/bundles/approvals"), List.of(), List.of());
        config = config.withAttestation(config.attestation().withSign(ServerConfig.Sign.ALL));
        try (TestNode all = TestNode.start(config)) {
            String read = "{\"actor\": {\"id\": \"bob\", \"type\": \"human\"}, \"action\": {\"name\": \"data.read\"},"
                    + " \"resource\": {\"type\": \"table\", \"id\": \"t1\"}}";
            JsonObject allowed = all.post("/v1/decisions", read, null).bodyAsJsonObject();
            assertEquals("allow", allowed.getString("verdict"));
            String signed = allowed.getString("attestation");
            assertNotNull(signed, allowed.encode());
            JWKSet keys = JWKSet.parse(all.get("/.well-known/jwks.json", null).bodyAsString());
            AttestationCheck.Result r = AttestationCheck.check(signed, keys, Instant.now(), tree(read));
            assertTrue(r.valid(), r.problems().toString());
            JsonObject claims = new JsonObject(r.claims());
            assertNull(claims.getString("approval_id"));
            assertEquals("reads are allowed", claims.getJsonArray("rules").getJsonObject(0).getString("rule"));
            assertEquals(Duration.ofMinutes(5).toSeconds(), claims.getLong("exp") - claims.getLong("iat"));
            assertFalse(r.claims().toString().contains(node.server.config().node() + "x"));
            JsonObject denied = all.post("/v1/decisions", "{\"action\": {\"name\": \"unknown\"}}", null).bodyAsJsonObject();
            assertEquals("deny", denied.getString("verdict"));
            assertNull(denied.getString("attestation"), "a deny is never signed");
            assertTrue(Files.isRegularFile(all.data.resolve(SigningKeys.GENERATED_FILE)));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(all.data.resolve(SigningKeys.GENERATED_FILE))));
        }
    }
}
