package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.approval.ApprovalStatus;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Vote;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.CountersignServer;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node, and an intruder on its cluster network that learnt the join name (it travels in clear)
 * but not the cluster secret: a Vert.x process at an address the node lists, so it joins. Whatever it
 * writes into the shared maps or sends over the event bus changes nothing; a member it was not told
 * of stops approvals; a node whose clock is off refuses them and says why.
 */
class ClusterIntruderTest {
    static final String GATEWAY = "gateway-token-0123456789";
    static final String CAROL = "carol-token-0123456789";

    @TempDir
    Path dir;
    TestNode node;
    Vertx intruder;

    @AfterEach
    void stop() throws Exception {
        if (intruder != null) {
            intruder.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (node != null) {
            node.close();
        }
    }

    ServerConfig config(Path home, ClusterSettings cluster) throws Exception {
        return TestNode.config(home, Path.of("src/test/resources/bundles/approvals"), List.of(
                        new ClientConfig("gateway", Authenticator.sha256Hex(GATEWAY), EnumSet.of(Scope.DECIDE), null),
                        new ClientConfig("carol", Authenticator.sha256Hex(CAROL), EnumSet.of(Scope.REVIEW), "carol@example.com")), List.of())
                .withReviewers(new ReviewerDirectory(Map.of("security", List.of(new Reviewer("carol@example.com", null, null),
                        new Reviewer("dan@example.com", null, null)))))
                .withCluster(cluster);
    }

    /** A clustered Vert.x that joins as {@code settings} say, with the join name but without the secret's seal or MAC. */
    Vertx intrude(ClusterSettings settings, ClusterSecret secret) throws Exception {
        Config hz = settings.applyTo(ConfigUtil.loadConfig(), secret, Clock.systemUTC());
        hz.getUserContext().clear();   // it knows the name to join under, nothing else
        VertxOptions options = new VertxOptions();
        options.getEventBusOptions().setHost("127.0.0.1");
        return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hz)).buildClustered()
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static void awaitMembers(TestNode node, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (node.server.hazelcast().getCluster().getMembers().size() != size || !node.server.hazelcast().getPartitionService().isClusterSafe()) {
            assertTrue(System.nanoTime() < deadline, "the intruder did not join");
            Thread.sleep(50);
        }
    }

    @Test
    void whatAnIntruderWritesOrSendsIsRefused() throws Exception {
        ClusterSecret secret = ClusterSecret.generate();
        String cluster = "intruded-" + UUID.randomUUID();
        List<String> members = List.of("127.0.0.1:" + TestNode.freePort(), "127.0.0.1:" + TestNode.freePort());
        int nodePort = Integer.parseInt(members.get(0).split(":")[1]);
        node = TestNode.start(config(dir.resolve("node"), new ClusterSettings(cluster, "127.0.0.1", nodePort, members, null, 1)
                .withSecret(secret)));
        String actor = "frank-" + UUID.randomUUID();
        String grant = "{\"actor\": {\"id\": \"" + actor + "\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"}";
        JsonObject decision = node.post("/v1/decisions", grant + "}", GATEWAY).bodyAsJsonObject();
        String id = decision.getJsonObject("approval").getString("id");

        int intruderPort = Integer.parseInt(members.get(1).split(":")[1]);
        intruder = intrude(new ClusterSettings(cluster, "127.0.0.1", intruderPort, members, null, 1), secret);
        awaitMembers(node, 2);

        // While it is in the cluster, every node refuses approvals: it has not shown that it holds the secret.
        HttpResponse<Buffer> meanwhile = node.get("/v1/approvals/" + id, GATEWAY);
        assertEquals(503, meanwhile.statusCode(), meanwhile.bodyAsString());
        assertEquals("unproven_member", meanwhile.bodyAsJsonObject().getString("code"));
        assertEquals(200, node.post("/v1/decisions", "{\"actor\": {\"id\": \"a\"}, \"action\": {\"name\": \"data.read\"}}", GATEWAY)
                .statusCode(), "allow and deny are still decided");

        // The event bus: asking the node for a decision record it keeps gets no answer.
        String nodeId = ((VertxInternal) node.server.vertx()).clusterManager().getNodeId();
        ExecutionException unanswered = assertThrows(ExecutionException.class, () -> intruder.eventBus()
                .request("countersign.decisions." + nodeId, decision.getString("decision_id"), new DeliveryOptions().setSendTimeout(2_000))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(String.valueOf(unanswered.getCause()).contains("Timed out"), String.valueOf(unanswered.getCause()));
        intruder.eventBus().publish("countersign.approvals.events", new JsonObject().put("id", id).put("event", "approved"));
        assertTrue(waitFor(() -> metric("countersign_eventbus_refused_total") >= 2), "the node counted both messages it dropped");

        // The shared map: a copy marked approved, with an invented vote, put back as the original finding did; then it leaves.
        HazelcastInstance hz = ((HazelcastClusterManager) ((VertxInternal) intruder).clusterManager()).getHazelcastInstance();
        IMap<String, PendingApproval> approvals = hz.getMap(HazelcastApprovalStore.APPROVALS);
        PendingApproval p = approvals.get(id);
        approvals.put(id, new PendingApproval(p.id(), p.decisionId(), p.createdBy(), p.createdAt(), p.expiresAt(), p.requester(),
                p.requirement(), p.distinctReviewers(), p.contextHash(), p.context(), p.decision(), p.bundleRevision(), p.callbacks(),
                ApprovalStatus.APPROVED, List.of(new Vote("mallory@example.com", Choice.APPROVE, "", Instant.now(), "x", "api",
                List.of("security"), "forged")), Instant.now(), "mallory@example.com", null, null, p.log(), p.version(), p.seal()));
        intruder.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        intruder = null;
        awaitMembers(node, 1);

        HttpResponse<Buffer> read = node.get("/v1/approvals/" + id, GATEWAY);
        assertEquals(409, read.statusCode(), read.bodyAsString());
        assertEquals("approval_tampered", read.bodyAsJsonObject().getString("code"));
        JsonObject redeemed = node.post("/v1/decisions", grant + ", \"approval_id\": \"" + id + "\"}", GATEWAY).bodyAsJsonObject();
        assertEquals("deny", redeemed.getString("verdict"), "the forged grant is not honoured: " + redeemed);
        assertTrue(redeemed.getJsonArray("reasons").getJsonObject(0).getString("message").contains("integrity check"), redeemed.encode());
        HttpResponse<Buffer> vote = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", CAROL);
        assertEquals(409, vote.statusCode(), vote.bodyAsString());
        node.server.audit().flush();
        String audit = Files.readString(Files.list(node.data.resolve("audit")).sorted().toList().get(0));
        assertTrue(audit.contains("\"event\":\"tampered\""), "the refusal is in the audit log");
        assertTrue(metric("countersign_state_tampered_total") >= 1);
    }

    @Test
    void aMemberTheNodeWasNotToldOfStopsApprovals() throws Exception {
        ClusterSecret secret = ClusterSecret.generate();
        String cluster = "stranger-" + UUID.randomUUID();
        int nodePort = TestNode.freePort();
        node = TestNode.start(config(dir.resolve("node"), new ClusterSettings(cluster, "127.0.0.1", nodePort, List.of(), null, 1)
                .withSecret(secret)));
        assertEquals(200, node.post("/v1/decisions", "{\"actor\": {\"id\": \"a\"}, \"action\": {\"name\": \"iam.role.grant\"}}", GATEWAY).statusCode());
        int stranger = TestNode.freePort();
        intruder = intrude(new ClusterSettings(cluster, "127.0.0.1", stranger, List.of("127.0.0.1:" + nodePort), null, 1), secret);
        awaitMembers(node, 2);
        HttpResponse<Buffer> refused = node.post("/v1/decisions", "{\"actor\": {\"id\": \"b\"}, \"action\": {\"name\": \"iam.role.grant\"}}", GATEWAY);
        assertEquals(503, refused.statusCode(), refused.bodyAsString());
        assertEquals("unexpected_member", refused.bodyAsJsonObject().getString("code"));
        assertTrue(refused.bodyAsJsonObject().getString("message").contains(":" + stranger), refused.bodyAsString());
        assertEquals(200, node.post("/v1/decisions", "{\"actor\": {\"id\": \"a\"}, \"action\": {\"name\": \"data.read\"}}", GATEWAY).statusCode(),
                "allow and deny are still decided");
        JsonObject ready = node.get("/health/ready", null).bodyAsJsonObject();
        assertTrue(ready.getJsonObject("checks").getJsonObject("cluster").getString("approvals").startsWith("refused (unexpected_member)"),
                ready.encode());
    }

    @Test
    void aNodeWhoseClockIsOffRefusesApprovalsAndSaysWhy() throws Exception {
        TestNode normal = null;
        try {
            ClusterSecret secret = ClusterSecret.generate();
            String cluster = "skewed-" + UUID.randomUUID();
            List<String> members = List.of("127.0.0.1:" + TestNode.freePort(), "127.0.0.1:" + TestNode.freePort());
            normal = TestNode.start(config(dir.resolve("a"), new ClusterSettings(cluster, "127.0.0.1",
                    Integer.parseInt(members.get(0).split(":")[1]), members, null, 1).withSecret(secret)));
            Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(10)).withZone(ZoneOffset.UTC);
            node = TestNode.start(config(dir.resolve("b"), new ClusterSettings(cluster, "127.0.0.1",
                    Integer.parseInt(members.get(1).split(":")[1]), members, null, 1).withSecret(secret)), ahead);
            awaitMembers(node, 2);
            HttpResponse<Buffer> refused = node.post("/v1/decisions",
                    "{\"actor\": {\"id\": \"a\"}, \"action\": {\"name\": \"iam.role.grant\"}}", GATEWAY);
            assertEquals(503, refused.statusCode(), refused.bodyAsString());
            assertEquals("clock_skew", refused.bodyAsJsonObject().getString("code"));
            assertTrue(refused.getHeader("Retry-After") != null);
            JsonObject cluster1 = node.get("/health/ready", null).bodyAsJsonObject().getJsonObject("checks").getJsonObject("cluster");
            assertTrue(cluster1.getLong("clock_skew_ms") >= 9_000, cluster1.encode());
            assertTrue(cluster1.getString("approvals").startsWith("refused (clock_skew)"), cluster1.encode());
            assertEquals(200, node.post("/v1/decisions", "{\"actor\": {\"id\": \"a\"}, \"action\": {\"name\": \"data.read\"}}", GATEWAY).statusCode());
        } finally {
            if (normal != null) {
                normal.close();
            }
        }
    }

    double metric(String name) throws Exception {
        for (String line : node.get("/metrics", null).bodyAsString().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    boolean waitFor(java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
