package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.pdp.agents.McpUpstreamServer;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.TestNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node an agent's held tool call waits on crashes (its cluster member vanishes) before the
 * reviewer decides. The agent reconnects to another node, a new MCP session, and retries the same
 * call: it joins the approval held before the crash (no second card, nothing lost), the reviewer
 * approves there, and the tool runs exactly once.
 */
class McpClusterCrashTest {
    @TempDir
    Path dir;

    static McpSyncClient client(TestNode node) {
        var transport = HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + node.server.port()).endpoint("/mcp/files")
                .customizeRequest(b -> b.header("Authorization", "Bearer " + TestNode.TOKENS.get("gateway"))).build();
        McpSyncClient c = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        c.initialize();
        return c;
    }

    static JsonArray pending(TestNode node) throws Exception {
        return TestNode.json(node.get("/v1/approvals?status=pending", TestNode.TOKENS.get("carol"))).getJsonArray("approvals");
    }

    @Test
    void aHeldCallWhoseNodeCrashesIsRetriedOnAnotherAndRunsOnce() throws Exception {
        ClusterSecret secret = ClusterSecret.generate();
        List<String> members = List.of("127.0.0.1:" + TestNode.freePort(), "127.0.0.1:" + TestNode.freePort());
        String cluster = "mcp-crash-" + System.nanoTime();
        try (McpUpstreamServer upstream = new McpUpstreamServer()) {
            TestNode[] nodes = new TestNode[2];
            for (int i = 0; i < 2; i++) {
                int port = Integer.parseInt(members.get(i).substring(members.get(i).indexOf(':') + 1));
                ServerConfig config = TestNode.config(dir.resolve("node-" + i), Path.of("src/test/resources/bundles/agents"),
                                TestNode.withClients(), List.of())
                        .withNode("node-" + i)
                        .withCluster(new ClusterSettings(cluster, "127.0.0.1", port, members, null, 1).withSecret(secret))
                        .withReviewers(new ReviewerDirectory(Map.of("dba", List.of(new ReviewerDirectory.Reviewer("carol@example.com", null, null)))))
                        .withAgents(new ServerConfig.Agents(List.of(new ServerConfig.McpServer("files", URI.create(upstream.url()), "",
                                Duration.ofSeconds(10))), Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(20)));
                nodes[i] = TestNode.start(config);
            }
            TestNode a = nodes[0];
            TestNode b = nodes[1];
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                // a safe cluster: every partition backed up on the other member (before that, a crash loses what it held alone)
                while (!(a.server.hazelcast().getCluster().getMembers().size() == 2 && a.server.hazelcast().getPartitionService().isClusterSafe()
                        && b.server.hazelcast().getPartitionService().isClusterSafe())) {
                    assertTrue(System.nanoTime() < deadline, "the two nodes did not form a safe cluster");
                    Thread.sleep(50);
                }
                Map<String, Object> args = Map.of("table", "crash-" + System.nanoTime());
                McpSyncClient onA = client(a);
                CompletableFuture<McpSchema.CallToolResult> waiting = CompletableFuture.supplyAsync(
                        () -> onA.callTool(new McpSchema.CallToolRequest("drop_index", args)));
                String id = null;
                for (int i = 0; i < 400 && id == null; i++) {
                    JsonArray seen = pending(b);
                    id = seen.isEmpty() ? null : seen.getJsonObject(0).getString("id");
                    Thread.sleep(25);
                }
                assertTrue(id != null, "the held call's approval is visible on the other node");

                a.server.crash();
                ExecutionException lost = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> waiting.get(40, TimeUnit.SECONDS));
                assertFalse(lost.getCause() instanceof AssertionError, String.valueOf(lost.getCause()));

                for (int i = 0; i < 400; i++) {   // until B has taken over the crashed member's partitions
                    JsonObject ready = TestNode.json(b.get("/health/ready", null));
                    if (ready.getJsonObject("checks").getJsonObject("cluster").getInteger("members", 0) == 1) {
                        break;
                    }
                    Thread.sleep(50);
                }
                McpSyncClient onB = client(b);   // a new session on another node
                CompletableFuture<McpSchema.CallToolResult> retried = CompletableFuture.supplyAsync(
                        () -> onB.callTool(new McpSchema.CallToolRequest("drop_index", args)));
                Thread.sleep(500);   // the retry is held: joined to the approval from before the crash, or it would not run below
                assertEquals("pending", TestNode.json(b.get("/v1/approvals/" + id, TestNode.TOKENS.get("carol"))).getString("status"));
                assertEquals(200, b.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TestNode.TOKENS.get("carol")).statusCode());
                McpSchema.CallToolResult ran = retried.get(30, TimeUnit.SECONDS);
                assertFalse(Boolean.TRUE.equals(ran.isError()), ran.toString());
                assertEquals("drop_index done on " + args.get("table"), ((McpSchema.TextContent) ran.content().get(0)).text());
                assertEquals(1, upstream.invocations.stream().filter(i -> i.equals("drop_index " + args)).count(), "exactly once");
                assertEquals(0, pending(b).size(), "no second approval was asked: " + pending(b).encode());
                onB.closeGracefully();
            } finally {
                b.close();
                try {
                    a.close();
                } catch (Exception crashedAlready) {
                    // its member is gone; what is left of it is closed as far as it can be
                }
            }
        }
    }
}
