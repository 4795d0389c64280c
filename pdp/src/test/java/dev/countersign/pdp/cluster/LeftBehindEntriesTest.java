package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.approval.ApprovalStatus;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Requester;
import dev.countersign.cluster.approval.Requirement;
import dev.countersign.cluster.member.MemberBundles;
import dev.countersign.pdp.server.TestNode;
import dev.countersign.pdp.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.internal.VertxInternal;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an intruder without the secret writes into the shared maps outlives it, but no read fails on
 * it once it has left (when approvals are no longer refused for its presence): it is left out as
 * tampered, and counted (found by the second security review, where both reads answered 500).
 *
 * <ul>
 *   <li>{@code countersign.member-bundles}: an entry with null fields under a UUID that is no member
 *       (only a leaving member's own entry is removed) is not listed by {@code GET /v1/policies}.</li>
 *   <li>{@code countersign.approvals}: an unsealed pending entry without a creation time is left out
 *       of {@code GET /v1/approvals} where it is held, before the listing sorts by creation time.</li>
 * </ul>
 */
class LeftBehindEntriesTest {
    static final String GATEWAY = ClusterIntruderTest.GATEWAY;
    static final String CAROL = ClusterIntruderTest.CAROL;
    private final ClusterIntruderTest helpers = new ClusterIntruderTest();

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

    private ServerConfig config(Path home, ClusterSettings cluster) throws Exception {
        return helpers.config(home, cluster);
    }

    private Vertx intrude(ClusterSettings settings, ClusterSecret secret) throws Exception {
        return helpers.intrude(settings, secret);
    }

    private static void awaitMembers(TestNode node, int size) throws Exception {
        ClusterIntruderTest.awaitMembers(node, size);
    }

    @Test
    void entriesAnIntruderLeavesBehindAreLeftOutOfReads() throws Exception {
        ClusterSecret secret = ClusterSecret.generate();
        String cluster = "left-behind-" + UUID.randomUUID();
        List<String> members = List.of("127.0.0.1:" + TestNode.freePort(), "127.0.0.1:" + TestNode.freePort());
        int nodePort = Integer.parseInt(members.get(0).split(":")[1]);
        ServerConfig nodeConfig = config(dir.resolve("node"), new ClusterSettings(cluster, "127.0.0.1", nodePort, members, null, 1)
                .withSecret(secret));
        node = TestNode.start(nodeConfig);
        String grant = "{\"actor\": {\"id\": \"frank-" + UUID.randomUUID() + "\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"}}";
        HttpResponse<Buffer> held = node.post("/v1/decisions", grant, GATEWAY);
        assertEquals(200, held.statusCode());
        String pending = held.bodyAsJsonObject().getJsonObject("approval").getString("id");
        assertEquals(200, node.get("/v1/approvals?status=pending", CAROL).statusCode(), "listing works before");
        assertEquals(200, node.get("/v1/policies", CAROL).statusCode(), "policies work before");

        int intruderPort = Integer.parseInt(members.get(1).split(":")[1]);
        intruder = intrude(new ClusterSettings(cluster, "127.0.0.1", intruderPort, members, null, 1), secret);
        awaitMembers(node, 2);
        HazelcastInstance hz = ((HazelcastClusterManager) ((VertxInternal) intruder).clusterManager()).getHazelcastInstance();
        hz.getReplicatedMap(MemberBundles.MAP).put(UUID.randomUUID(), new MemberBundles.MemberBundle(null, null, null));
        String poison = "apr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
        hz.getMap(HazelcastApprovalStore.APPROVALS).put(poison, new PendingApproval(poison, "dec", "x", null,
                Instant.now().plus(Duration.ofDays(1)), new Requester("a", null, "gateway", null),
                new Requirement(List.of("security"), Map.of("security", 1), Duration.ofHours(1)), true, "h", "{}", "{}", "rev",
                List.of(), ApprovalStatus.PENDING, List.of(), null, null, null, null, null, 0, null));   // no event log either
        Thread.sleep(1_000);   // the replicated map reaches the node
        intruder.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        intruder = null;
        awaitMembers(node, 1);

        double tamperedBefore = metric("countersign_state_tampered_total");
        HttpResponse<Buffer> policies = node.get("/v1/policies", CAROL);
        HttpResponse<Buffer> listing = node.get("/v1/approvals?status=pending", CAROL);
        assertEquals(List.of(200, 200), List.of(policies.statusCode(), listing.statusCode()),
                "GET /v1/policies: " + policies.bodyAsString() + " / GET /v1/approvals: " + listing.bodyAsString());
        JsonArray deciding = policies.bodyAsJsonObject().getJsonArray("cluster");
        assertEquals(1, deciding.size(), "only the node itself decides in the cluster now: " + deciding.encode());
        assertEquals(nodeConfig.node(), deciding.getJsonObject(0).getString("node"));
        String listed = listing.bodyAsString();
        assertTrue(listed.contains(pending), "the sealed approval is listed: " + listed);
        assertFalse(listed.contains(poison), "the forged one is not: " + listed);
        assertTrue(metric("countersign_state_tampered_total") >= tamperedBefore + 1, "the forged approval is counted as tampered");
    }

    private double metric(String name) throws Exception {
        for (String line : node.get("/metrics", null).bodyAsString().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }
}
