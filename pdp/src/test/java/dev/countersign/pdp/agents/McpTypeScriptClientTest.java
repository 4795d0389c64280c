package dev.countersign.pdp.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TypeScript MCP SDK client (most agents are TypeScript) through a real node to the Java SDK
 * upstream: it negotiates the protocol, lists tools with their annotations and output schemas, gets
 * the upstream's exact result when allowed, a tool error when denied, and waits, with progress,
 * for a held call that a reviewer approves through the API; the call runs once.
 */
class McpTypeScriptClientTest {
    static final Path CLIENT = Path.of("src/test/node/mcp");

    @TempDir
    Path dir;

    @Test
    void theTypeScriptSdkClientThroughTheGateway() throws Exception {
        if (!Files.isDirectory(CLIENT.resolve("node_modules/@modelcontextprotocol/sdk"))) {
            throw new AssertionError("the TypeScript MCP SDK is not installed: run npm ci in pdp/src/test/node/mcp (as .ci/run does);"
                    + " it needs Node.js 18 or later and npm");
        }
        try (McpUpstreamServer upstream = new McpUpstreamServer()) {
            ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/agents"), TestNode.withClients(), List.of())
                    .withReviewers(new ReviewerDirectory(Map.of("dba", List.of(new ReviewerDirectory.Reviewer("carol@example.com", null, null)))))
                    .withAgents(new ServerConfig.Agents(List.of(new ServerConfig.McpServer("files", URI.create(upstream.url()), "",
                            Duration.ofSeconds(10))), Duration.ofSeconds(20), Duration.ofMillis(300), Duration.ofSeconds(20)));
            try (TestNode node = TestNode.start(config)) {
                String table = "ts-" + System.nanoTime();
                ProcessBuilder pb = new ProcessBuilder("node", "client.mjs", "http://127.0.0.1:" + node.server.port() + "/mcp/files",
                        TestNode.TOKENS.get("gateway"), table).directory(CLIENT.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
                Process p = pb.start();
                CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                    try {
                        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                String approved = null;
                for (int i = 0; i < 800 && approved == null; i++) {
                    JsonArray pending = TestNode.json(node.get("/v1/approvals?status=pending", TestNode.TOKENS.get("carol")))
                            .getJsonArray("approvals");
                    if (!pending.isEmpty()) {
                        approved = pending.getJsonObject(0).getString("id");
                        Thread.sleep(700);   // let it wait, and hear of it
                        assertEquals(200, node.post("/v1/approvals/" + approved + "/votes", "{\"vote\": \"approve\"}",
                                TestNode.TOKENS.get("carol")).statusCode());
                    } else {
                        Thread.sleep(25);
                    }
                }
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the client finished");
                String printed = out.get(10, TimeUnit.SECONDS);
                assertEquals(0, p.exitValue(), printed);
                Map<String, JsonObject> steps = new HashMap<>();
                printed.lines().filter(l -> l.startsWith("{")).map(JsonObject::new).forEach(s -> steps.put(s.getString("step"), s));

                assertEquals("2025-11-25", steps.get("initialize").getString("protocolVersion"), printed);
                JsonArray tools = steps.get("tools/list").getJsonArray("tools");
                JsonObject readFile = tools.stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("read_file")).findFirst()
                        .orElseThrow();
                assertEquals(true, readFile.getJsonObject("annotations").getBoolean("readOnlyHint"));
                assertTrue(readFile.containsKey("outputSchema"));

                JsonObject allowed = steps.get("allowed").getJsonObject("result");
                assertEquals("contents of ts.txt", allowed.getJsonArray("content").getJsonObject(0).getString("text"));
                assertEquals(new JsonObject().put("path", "ts.txt").put("size", 6), allowed.getJsonObject("structuredContent"));

                JsonObject denied = steps.get("denied").getJsonObject("result");
                assertEquals(true, denied.getBoolean("isError"));
                assertTrue(denied.getJsonArray("content").getJsonObject(0).getString("text").contains("agents never delete tables"));
                assertEquals(0, upstream.count("delete_table"));

                JsonObject held = steps.get("held");
                assertFalse(held.getJsonObject("result").getBoolean("isError", false), held.encode());
                assertEquals("drop_index done on " + table, held.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text"));
                assertFalse(held.getJsonArray("progress").isEmpty(), "progress while it waited: " + held.encode());
                assertEquals(1, upstream.count("drop_index"));
            }
        }
    }
}
