package dev.countersign.pdp.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.member.MemberPublications;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real nodes in one cluster, each with its own generated key: every node's JWKS serves both keys;
 * a token signed on a node verifies against the other's JWKS after the signer is killed; the outcome of
 * that decision is reported on the survivor once (a repeat answers as the first, another report is a
 * 409, another client gets a 404) and reaches the survivor's audit log as one approval event; the
 * killed node's latest signed checkpoint stays in the cluster.
 */
class AttestationClusterTest {
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789",
            "other", "other-token-0123456789", "admin", "admin-token-0123456789");

    @TempDir
    Path dir;

    static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    @Test
    void aTokenOutlivesItsSignerAndItsOutcomeIsReportedOnceOnTheSurvivor() throws Exception {
        ClusterSecret secret = ClusterSecret.generate();
        String cluster = "attest-" + UUID.randomUUID();
        List<String> addresses = List.of("127.0.0.1:" + TestNode.freePort(), "127.0.0.1:" + TestNode.freePort());
        List<TestNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                String address = addresses.get(i);
                ServerConfig config = TestNode.config(dir.resolve("n" + i), Path.of("src/test/resources/bundles/approvals"), List.of(
                                client("gateway", Scope.DECIDE, null), client("carol", Scope.REVIEW, "carol@example.com"),
                                client("other", Scope.DECIDE, null), client("admin", Scope.ADMIN, null)), List.of())
                        .withReviewers(new ReviewerDirectory(Map.of("data-governance", List.of(new Reviewer("carol@example.com", null, null)))))
                        .withNode("node-" + (char) ('a' + i))
                        .withCluster(new ClusterSettings(cluster, "127.0.0.1", Integer.parseInt(address.substring(address.indexOf(':') + 1)),
                                addresses, null, 1).withSecret(secret));
                nodes.add(TestNode.start(config));
            }
            TestNode a = nodes.get(0);
            TestNode b = nodes.get(1);
            await("a cluster of two", () -> b.server.hazelcast().getCluster().getMembers().size() == 2
                    && b.server.hazelcast().getPartitionService().isClusterSafe());
            await("both keys served by b", () -> jwks(b).getKeys().size() == 2);
            String body = "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\"}, \"action\": {\"name\": \"data.export\"},"
                    + " \"resource\": {\"type\": \"table\", \"id\": \"prod.customers\", \"environment\": \"production\"}}";
            JsonObject held = a.post("/v1/decisions", body, TOKENS.get("gateway")).bodyAsJsonObject();
            String approval = held.getJsonObject("approval").getString("id");
            assertEquals(200, b.post("/v1/approvals/" + approval + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol")).statusCode());
            JsonObject redeemed = a.post("/v1/decisions", body.substring(0, body.length() - 1) + ", \"approval_id\": \"" + approval + "\"}",
                    TOKENS.get("gateway")).bodyAsJsonObject();
            String token = redeemed.getString("attestation");
            assertNotNull(token, redeemed.encode());
            String decision = redeemed.getString("decision_id");
            String kidOfA = SignedJWT.parse(token).getHeader().getKeyID();
            MemberPublications checkpoints = new MemberPublications(b.server.hazelcast(), secret, PublishedCheckpoints.MAP);
            await("node-a's checkpoint in the cluster", () -> checkpoints.of("node-a") != null);
            // b itself must hold the copy: a read on b would also be answered by asking a, which is about to go
            await("the decision record replicated to b", () -> b.server.decisionRecords().holds(decision));

            a.server.crash();   // the signer is gone: its key must stay verifiable, its state carried on

            JWKSet afterCrash = jwks(b);
            assertNotNull(afterCrash.getKeyByKeyId(kidOfA), "the dead node's key is still served");
            AttestationCheck.Result check = AttestationCheck.check(token, afterCrash, Instant.now(), null);
            assertTrue(check.valid(), check.problems().toString());
            assertNotNull(checkpoints.of("node-a"), "the dead node's latest checkpoint is kept");

            String outcome = "{\"status\": \"succeeded\", \"detail\": \"exported 1200 rows\", \"lineage\": {\"job\": \"q4-export\"}}";
            HttpResponse<Buffer> first = b.post("/v1/decisions/" + decision + "/outcome", outcome, TOKENS.get("gateway"));
            assertEquals(201, first.statusCode(), first.bodyAsString());
            assertEquals(approval, first.bodyAsJsonObject().getString("approval_id"));
            assertEquals(200, b.post("/v1/decisions/" + decision + "/outcome", outcome, TOKENS.get("gateway")).statusCode(),
                    "a retried report answers as the first");
            HttpResponse<Buffer> second = b.post("/v1/decisions/" + decision + "/outcome", "{\"status\": \"failed\"}", TOKENS.get("gateway"));
            assertEquals(409, second.statusCode(), second.bodyAsString());
            assertEquals("outcome_reported", second.bodyAsJsonObject().getString("code"));
            assertEquals(404, b.post("/v1/decisions/" + decision + "/outcome", outcome, TOKENS.get("other")).statusCode());
            assertEquals(400, b.post("/v1/decisions/" + decision + "/outcome", "{\"status\": \"maybe\"}", TOKENS.get("gateway")).statusCode());
            JsonObject events = b.get("/v1/approvals/" + approval, TOKENS.get("carol")).bodyAsJsonObject();
            assertNotNull(events);
            await("the outcome event in b's audit log", () -> audited(b).stream().filter(l -> l.contains("\"event\":\"outcome\"")
                    && l.contains("\"decision_id\":\"" + decision + "\"") && l.contains("\"outcome\":\"succeeded\"")).count() == 1);

            JsonObject plain = b.post("/v1/decisions", "{\"action\": {\"name\": \"data.read\"}}", TOKENS.get("gateway")).bodyAsJsonObject();
            String plainId = plain.getString("decision_id");
            assertEquals(201, b.post("/v1/decisions/" + plainId + "/outcome", "{\"status\": \"failed\"}", TOKENS.get("gateway")).statusCode());
            assertEquals(409, b.post("/v1/decisions/" + plainId + "/outcome", "{\"status\": \"succeeded\"}", TOKENS.get("gateway")).statusCode());
            await("the plain outcome in b's audit log", () -> audited(b).stream().filter(l -> l.contains("\"type\":\"outcome\"")
                    && l.contains(plainId)).count() == 1);
            HttpResponse<Buffer> published = b.get("/v1/audit/checkpoints", TOKENS.get("admin"));
            assertEquals(200, published.statusCode(), published.bodyAsString());
            String latestOfA = published.bodyAsJsonObject().getJsonObject("checkpoints").getJsonObject("node-a").getString("jws");
            assertNotNull(latestOfA, published.bodyAsString());
            assertEquals(403, b.get("/v1/audit/checkpoints", TOKENS.get("gateway")).statusCode());
            Path keys = dir.resolve("jwks.json");
            Files.writeString(keys, afterCrash.toString(true));
            dev.countersign.pdp.cli.CliRun verified = dev.countersign.pdp.cli.CliRun.run("audit", "verify", a.data.resolve("audit").toString(),
                    "--jwks", keys.toString(), "--checkpoint", latestOfA);
            assertEquals(0, verified.status(), "the dead node's log, checked against the survivor's keys and its published checkpoint: "
                    + verified.out() + verified.err());
            String metrics = b.get("/metrics", null).bodyAsString();
            assertTrue(metrics.contains("countersign_audit_checkpoint_seq"), metrics);
        } finally {
            for (TestNode n : nodes) {
                try {
                    n.close();
                } catch (Exception e) {
                    // the crashed node's server is gone already
                }
            }
        }
    }

    static JWKSet jwks(TestNode n) {
        try {
            return JWKSet.parse(n.get("/.well-known/jwks.json", null).bodyAsString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static List<String> audited(TestNode n) {
        try {
            n.server.audit().flush();
            List<String> lines = new ArrayList<>();
            try (Stream<Path> files = Files.list(n.data.resolve("audit"))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (f.getFileName().toString().endsWith(".jsonl")) {
                        lines.addAll(Files.readAllLines(f));
                    }
                }
            }
            return lines;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }
}
