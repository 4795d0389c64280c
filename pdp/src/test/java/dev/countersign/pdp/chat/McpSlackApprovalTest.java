package dev.countersign.pdp.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.connectors.slack.PostedMessage;
import dev.countersign.pdp.agents.McpUpstreamServer;
import dev.countersign.pdp.config.ServerConfig;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A held MCP tool call is shown to reviewers on a Slack card; a click on Approve lets it run, once, and the card says so. */
class McpSlackApprovalTest {
    @TempDir
    Path dir;

    @Test
    void aToolCallHeldForSlackRunsOnceWhenApprovedThere() throws Exception {
        try (McpUpstreamServer upstream = new McpUpstreamServer();
             SlackFixture f = SlackFixture.start(dir, Clock.systemUTC(), UnaryOperator.identity(), Path.of("src/test/resources/bundles/agents-slack"),
                     c -> c.withAgents(new ServerConfig.Agents(List.of(new ServerConfig.McpServer("files", URI.create(upstream.url()), "",
                             Duration.ofSeconds(10))), Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(20))))) {
            String token = SlackFixture.TOKENS.get("gateway");
            var transport = HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + f.node.server.port()).endpoint("/mcp/files")
                    .customizeRequest(b -> b.header("Authorization", "Bearer " + token)).build();
            McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
            try {
                client.initialize();
                client.listTools();
                CompletableFuture<McpSchema.CallToolResult> held = CompletableFuture.supplyAsync(() -> client.callTool(
                        new McpSchema.CallToolRequest("drop_index", Map.of("table", "customers"))));
                SlackFixture.eventually("a pending approval", 15, () -> {
                    try {
                        return !f.node.get("/v1/approvals?status=pending", SlackFixture.TOKENS.get("admin")).bodyAsJsonObject()
                                .getJsonArray("approvals").isEmpty();
                    } catch (Exception e) {
                        return false;
                    }
                });
                String id = f.node.get("/v1/approvals?status=pending", SlackFixture.TOKENS.get("admin")).bodyAsJsonObject()
                        .getJsonArray("approvals").getJsonObject(0).getString("id");
                PostedMessage card = f.card(SlackFixture.GOVERNANCE, id);
                assertTrue(String.valueOf(card.blocks()).contains("files/drop_index"), "the card shows the tool: " + card.blocks());
                assertFalse(held.isDone());
                assertEquals(200, f.send(f.driver.click(card, "approve", "U0CAROL")).status());
                McpSchema.CallToolResult result = held.get(20, TimeUnit.SECONDS);
                assertFalse(Boolean.TRUE.equals(result.isError()), result.toString());
                assertEquals("drop_index done on customers", ((McpSchema.TextContent) result.content().get(0)).text());
                assertEquals(1, upstream.count("drop_index"));
                SlackFixture.eventually("the card updated as approved", 15,
                        () -> f.cards(SlackFixture.GOVERNANCE, id).get(0).allText().toLowerCase().contains("approved"));
            } finally {
                client.closeGracefully();
            }
        }
    }
}
