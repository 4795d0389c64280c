package dev.countersign.pdp.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.TestNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MCP gateway with the official Java SDK on both sides: an SDK server upstream whose tools
 * record their invocations, and the SDK client through a real node. Allowed calls answer the
 * upstream's exact result; denied calls never reach it; held calls wait for a reviewer and run once.
 */
class McpGatewayTest {
    static final String AGENT_TOKEN = "coding-agent-token-0123456789";
    static final Duration WAIT = Duration.ofSeconds(4);

    @TempDir
    static Path dir;
    static McpUpstreamServer upstream;
    static TestNode node;
    static final List<McpSyncClient> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        upstream = new McpUpstreamServer();
        int closed = TestNode.freePort();
        List<ClientConfig> configured = new ArrayList<>(TestNode.withClients());
        configured.add(new ClientConfig("coder", Authenticator.sha256Hex(AGENT_TOKEN), EnumSet.of(Scope.DECIDE), null, null,
                new ClientConfig.AgentActor("agent:coder", "agent", "alice@example.com")));
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/agents"), configured, List.of())
                .withReviewers(new ReviewerDirectory(Map.of("dba", List.of(new ReviewerDirectory.Reviewer("carol@example.com", null, null)))))
                .withAgents(new ServerConfig.Agents(List.of(
                        new ServerConfig.McpServer("files", URI.create(upstream.url()), "", Duration.ofSeconds(10)),
                        new ServerConfig.McpServer("slow", URI.create(upstream.url()), "", Duration.ofSeconds(1)),
                        new ServerConfig.McpServer("down", URI.create("http://127.0.0.1:" + closed + "/mcp"), "", Duration.ofSeconds(2))),
                        WAIT, Duration.ofMillis(300), WAIT));
        node = TestNode.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        clients.forEach(McpSyncClient::closeGracefully);
        node.close();
        upstream.close();
    }

    static McpSyncClient client(String url, String token, Consumer<McpSchema.ProgressNotification> progress) {
        var transport = HttpClientStreamableHttpTransport.builder(url.substring(0, url.indexOf("/mcp")))
                .endpoint(url.substring(url.indexOf("/mcp")))
                .customizeRequest(b -> {
                    if (token != null) {
                        b.header("Authorization", "Bearer " + token);
                    }
                }).build();
        var spec = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20)).initializationTimeout(Duration.ofSeconds(10));
        if (progress != null) {
            spec.progressConsumer(progress);
        }
        McpSyncClient c = spec.build();
        clients.add(c);
        return c;
    }

    static McpSyncClient gateway(String server, Consumer<McpSchema.ProgressNotification> progress) {
        McpSyncClient c = client("http://127.0.0.1:" + node.server.port() + "/mcp/" + server, AGENT_TOKEN, progress);
        c.initialize();
        return c;
    }

    static McpSchema.CallToolResult call(McpSyncClient c, String tool, Map<String, Object> args, Map<String, Object> meta) {
        return c.callTool(new McpSchema.CallToolRequest(tool, args, meta));
    }

    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    /** Votes {@code choice} as carol on the one pending approval of {@code tool}, once it appears. */
    static String decidePending(String choice) throws Exception {
        for (int i = 0; i < 200; i++) {
            JsonArray pending = TestNode.json(node.get("/v1/approvals?status=pending", TestNode.TOKENS.get("carol"))).getJsonArray("approvals");
            if (!pending.isEmpty()) {
                String id = pending.getJsonObject(0).getString("id");
                HttpResponse<Buffer> r = node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"" + choice + "\", \"comment\": \"checked by"
                        + " carol\"}", TestNode.TOKENS.get("carol"));
                assertEquals(200, r.statusCode(), r.bodyAsString());
                return id;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no approval became pending");
    }

    @Test
    void anAllowedCallAnswersTheUpstreamsExactResult() {
        McpSyncClient direct = client(upstream.url(), null, null);
        direct.initialize();
        McpSyncClient through = gateway("files", null);
        McpSchema.ListToolsResult listed = through.listTools();
        assertEquals(direct.listTools(), listed, "tools/list passes through, annotations and output schemas intact");
        assertTrue(listed.tools().stream().anyMatch(t -> t.outputSchema() != null && Boolean.TRUE.equals(t.annotations().readOnlyHint())));

        long before = upstream.count("read_file");
        McpSchema.CallToolResult expected = call(direct, "read_file", Map.of("path", "notes.txt"), null);
        McpSchema.CallToolResult answered = call(through, "read_file", Map.of("path", "notes.txt"), null);
        assertEquals(expected, answered);
        assertEquals(Map.of("path", "notes.txt", "size", 9), answered.structuredContent());
        assertEquals(before + 2, upstream.count("read_file"));
    }

    @Test
    void aCallBeforeAnyListingIsDecidedWithTheToolsAnnotations() {
        McpSyncClient through = gateway("files", null);   // no tools/list: the gateway lists them itself
        McpSchema.CallToolResult answered = call(through, "read_file", Map.of("path", "unlisted.txt"), null);
        assertFalse(Boolean.TRUE.equals(answered.isError()), answered.toString());
        assertEquals("contents of unlisted.txt", text(answered));
    }

    @Test
    void aDeniedCallNeverReachesTheUpstreamAndSaysWhichRule() throws Exception {
        McpSyncClient through = gateway("files", null);
        through.listTools();
        long before = upstream.count("delete_table");
        McpSchema.CallToolResult answered = call(through, "delete_table", Map.of("table", "customers"), null);
        assertTrue(answered.isError());
        assertTrue(text(answered).contains("agents never delete tables") && text(answered).contains("tables are not deleted by agents"),
                text(answered));
        assertEquals(null, answered.structuredContent());
        assertEquals("denied", answered.meta().get(McpToolCalls.OUTCOME_META));
        assertEquals(before, upstream.count("delete_table"));

        String decisionId = (String) answered.meta().get(McpToolCalls.DECISION_META);
        JsonObject record = TestNode.json(node.get("/v1/decisions/" + decisionId, TestNode.TOKENS.get("admin")));
        JsonObject input = record.getJsonObject("input");
        assertEquals("mcp.tools.call", input.getJsonObject("action").getString("name"));
        assertEquals("files/delete_table", input.getJsonObject("resource").getString("id"));
        assertEquals(true, input.getJsonObject("resource").getBoolean("destructiveHint"));
        assertEquals("agent:coder", input.getJsonObject("actor").getString("id"));
        assertEquals("alice@example.com", input.getJsonObject("actor").getString("on_behalf_of"));
        assertEquals(new JsonObject().put("table", "customers"), input.getJsonObject("action").getJsonObject("arguments"));
        assertEquals("files", input.getJsonObject("action").getString("server"));
        assertNotNull(input.getJsonObject("context").getString("mcp_session"));
    }

    @Test
    void aHeldCallWaitsIsApprovedAndRunsExactlyOnceWithProgress() throws Exception {
        List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
        McpSyncClient through = gateway("files", progress::add);
        through.listTools();
        Map<String, Object> args = Map.of("table", "orders-" + System.nanoTime());
        CompletableFuture<McpSchema.CallToolResult> held = CompletableFuture.supplyAsync(
                () -> call(through, "drop_index", args, Map.of("progressToken", "p-1")));
        Thread.sleep(700);   // two progress intervals
        assertFalse(held.isDone(), "the call waits for its reviewers");
        String id = decidePending("approve");
        McpSchema.CallToolResult answered = held.get(20, TimeUnit.SECONDS);
        assertFalse(Boolean.TRUE.equals(answered.isError()), answered.toString());
        assertEquals("drop_index done on " + args.get("table"), text(answered));
        assertEquals(1, upstream.invocations.stream().filter(i -> i.equals("drop_index " + args)).count());
        assertFalse(progress.isEmpty(), "progress notifications while it waited");
        assertTrue(progress.stream().allMatch(p -> "p-1".equals(p.progressToken()) && p.message().contains(id)), progress.toString());

        String table = (String) args.get("table");
        List<String> audited = auditLines(line -> line.contains(id));
        assertTrue(audited.stream().anyMatch(l -> l.contains("\"type\":\"approval\"")), "the approval is audited");
        assertEquals(1, audited.stream().filter(l -> l.contains("\"type\":\"agent_call\"") && l.contains("\"event\":\"forwarded\"")
                && l.contains("\"tool\":\"drop_index\"")).count(), "its one run is audited: " + audited);
        assertTrue(auditLines(l -> l.contains(table) && l.contains("\"verdict\":\"allow\"") && l.contains("\"via\":\"mcp\"")).size() == 1,
                "the redeeming decision is audited once");

        McpSchema.CallToolResult replay = call(through, "drop_index", args, Map.of(McpToolCalls.APPROVAL_META, id));
        assertTrue(replay.isError());
        assertTrue(text(replay).contains("already used"), text(replay));
        assertEquals(1, upstream.invocations.stream().filter(i -> i.equals("drop_index " + args)).count(), "a replay is refused");
    }

    @Test
    void aStillPendingCallIsRetriedJoinsItsApprovalAndRunsOnceApproved() throws Exception {
        McpSyncClient through = gateway("files", null);
        through.listTools();
        Map<String, Object> args = Map.of("table", "events-" + System.nanoTime());
        CompletableFuture<McpSchema.CallToolResult> first = CompletableFuture.supplyAsync(() -> call(through, "truncate", args, null));
        Thread.sleep(300);
        McpSchema.CallToolResult retry = call(through, "truncate", args, null);   // while the first waits: the same approval
        McpSchema.CallToolResult pending = first.get(20, TimeUnit.SECONDS);
        assertTrue(pending.isError());
        assertEquals("pending", pending.meta().get(McpToolCalls.OUTCOME_META));
        String id = (String) pending.meta().get(McpToolCalls.APPROVAL_META);
        assertNotNull(id);
        assertTrue(text(pending).contains(id) && text(pending).contains("retry the same call"), text(pending));
        assertEquals(id, retry.meta().get(McpToolCalls.APPROVAL_META), "an identical retry while pending joins the approval");
        McpSyncClient reconnected = gateway("files", null);   // a new session: the same ask
        assertEquals(id, call(reconnected, "truncate", args, null).meta().get(McpToolCalls.APPROVAL_META));
        assertEquals(0, upstream.invocations.stream().filter(i -> i.equals("truncate " + args)).count());

        assertEquals(id, decidePending("approve"));
        McpSchema.CallToolResult ran = call(through, "truncate", args, null);   // without the id: the ask's grant is used
        assertFalse(Boolean.TRUE.equals(ran.isError()), ran.toString());
        assertEquals("truncate done on " + args.get("table"), text(ran));
        McpSchema.CallToolResult replay = call(through, "truncate", args, Map.of(McpToolCalls.APPROVAL_META, id));
        assertTrue(replay.isError(), "a replay after use is refused");
        assertEquals(1, upstream.invocations.stream().filter(i -> i.equals("truncate " + args)).count());
    }

    @Test
    void aCallDeniedByItsReviewerSaysWhoAndWhy() throws Exception {
        McpSyncClient through = gateway("files", null);
        through.listTools();
        Map<String, Object> args = Map.of("table", "ledger-" + System.nanoTime());
        CompletableFuture<McpSchema.CallToolResult> held = CompletableFuture.supplyAsync(() -> call(through, "drop_index", args, null));
        decidePending("deny");
        McpSchema.CallToolResult answered = held.get(20, TimeUnit.SECONDS);
        assertTrue(answered.isError());
        assertEquals("review_denied", answered.meta().get(McpToolCalls.OUTCOME_META));
        assertTrue(text(answered).contains("carol@example.com") && text(answered).contains("checked by carol"), text(answered));
        assertEquals(0, upstream.invocations.stream().filter(i -> i.equals("drop_index " + args)).count());
    }

    @Test
    void anUnreachableUpstreamIsAClearError() {
        McpSyncClient c = client("http://127.0.0.1:" + node.server.port() + "/mcp/down", AGENT_TOKEN, null);
        Exception e = assertThrows(Exception.class, c::initialize);
        assertTrue(String.valueOf(causes(e)).contains("MCP server down could not be reached"), causes(e));
    }

    @Test
    void aSlowUpstreamIsAClearErrorNotAHang() {
        McpSyncClient through = gateway("slow", null);
        through.listTools();
        McpError e = assertThrows(McpError.class, () -> call(through, "read_file", Map.of("path", "sleep"), null));
        assertTrue(e.getMessage().contains("could not be reached") && e.getMessage().contains("in time"), e.getMessage());
    }

    @Test
    void callersAreAuthenticatedAndSessionsAreTheirs() throws Exception {
        HttpResponse<Buffer> anonymous = node.post("/mcp/files", "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}", null);
        assertEquals(401, anonymous.statusCode());
        HttpResponse<Buffer> unknown = node.post("/mcp/nope", "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}", AGENT_TOKEN);
        assertEquals(404, unknown.statusCode());
        HttpResponse<Buffer> notJson = node.post("/mcp/files", "[1, 2]", AGENT_TOKEN);
        assertEquals(400, notJson.statusCode());
        assertTrue(notJson.bodyAsJsonObject().getString("message").contains("batches"), notJson.bodyAsString());

        HttpResponse<Buffer> init = node.client.post("/mcp/files").putHeader("Authorization", "Bearer " + AGENT_TOKEN)
                .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json, text/event-stream")
                .sendBuffer(Buffer.buffer("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"initialize\", \"params\": {\"protocolVersion\":"
                        + " \"2025-06-18\", \"capabilities\": {}, \"clientInfo\": {\"name\": \"raw\", \"version\": \"1\"}}}"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(200, init.statusCode(), init.bodyAsString());
        String session = init.getHeader("Mcp-Session-Id");
        assertNotNull(session);
        HttpResponse<Buffer> stolen = node.client.post("/mcp/files").putHeader("Authorization", "Bearer " + TestNode.TOKENS.get("gateway"))
                .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json, text/event-stream")
                .putHeader("Mcp-Session-Id", session)
                .sendBuffer(Buffer.buffer("{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"tools/list\"}"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(404, stolen.statusCode(), "another client's session does not exist for this one");
    }

    @Test
    void healthAndMetricsReportEachUpstream() throws Exception {
        McpSyncClient c = client("http://127.0.0.1:" + node.server.port() + "/mcp/down", AGENT_TOKEN, null);
        assertThrows(Exception.class, c::initialize);
        gateway("files", null).listTools();
        JsonObject checks = TestNode.json(node.get("/health/ready", null)).getJsonObject("checks");
        assertEquals("up", checks.getJsonObject("mcp.files").getString("status"), checks.encode());
        assertEquals("down", checks.getJsonObject("mcp.down").getString("status"), checks.encode());
        assertEquals(false, checks.getJsonObject("mcp.down").getBoolean("required"));
        String metrics = node.get("/metrics", null).bodyAsString();
        assertTrue(metrics.contains("countersign_mcp_upstream_failures_total{server=\"down\"}"), metrics);
    }

    /** The lines of the node's audit log matching {@code filter}, once the writer has caught up (within 10 s). */
    static List<String> auditLines(java.util.function.Predicate<String> filter) throws Exception {
        List<String> found = List.of();
        for (int i = 0; i < 100; i++) {
            try (var files = java.nio.file.Files.walk(node.data.resolve("audit"))) {
                found = files.filter(java.nio.file.Files::isRegularFile).flatMap(f -> {
                    try {
                        return java.nio.file.Files.readAllLines(f).stream();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).filter(filter).toList();
            }
            if (found.stream().anyMatch(l -> l.contains("agent_call"))) {
                return found;
            }
            Thread.sleep(100);
        }
        return found;
    }

    private static String causes(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t).append(" | ");
        }
        return b.toString();
    }
}
