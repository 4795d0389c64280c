package dev.countersign.pdp.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/hooks/pre-tool-use} with each verdict, a held call approved while it waits, one
 * still pending retried once approved (allowed once), and {@code countersign hook pre-tool-use} as
 * an agent runs it: a separate process reading standard input, its token from the environment,
 * failing closed when the node is down.
 */
class PreToolUseHookTest {
    @TempDir
    static Path dir;
    static TestNode node;
    static final String GATEWAY = TestNode.TOKENS.get("gateway");

    @BeforeAll
    static void start() throws Exception {
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/agents"), TestNode.withClients(), List.of())
                .withReviewers(new ReviewerDirectory(Map.of("dba", List.of(new ReviewerDirectory.Reviewer("carol@example.com", null, null)))))
                .withAgents(new ServerConfig.Agents(List.of(), Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(2)));
        node = TestNode.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static String hookInput(String tool, JsonObject input, String toolUseId) {
        return new JsonObject().put("session_id", "s-1").put("transcript_path", "/home/dev/.agent/s-1.jsonl").put("cwd", "/home/dev/repo")
                .put("permission_mode", "default").put("hook_event_name", "PreToolUse").put("tool_name", tool).put("tool_input", input)
                .put("tool_use_id", toolUseId).encode();
    }

    static JsonObject ask(String body) throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/hooks/pre-tool-use", body, GATEWAY);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    static String decision(JsonObject answer) {
        JsonObject specific = answer.getJsonObject("hookSpecificOutput");
        assertEquals("PreToolUse", specific.getString("hookEventName"));
        return specific.getString("permissionDecision");
    }

    static String reason(JsonObject answer) {
        return answer.getJsonObject("hookSpecificOutput").getString("permissionDecisionReason");
    }

    static String approvePending() throws Exception {
        for (int i = 0; i < 200; i++) {
            JsonArray pending = TestNode.json(node.get("/v1/approvals?status=pending", TestNode.TOKENS.get("carol"))).getJsonArray("approvals");
            if (!pending.isEmpty()) {
                String id = pending.getJsonObject(0).getString("id");
                assertEquals(200, node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TestNode.TOKENS.get("carol")).statusCode());
                return id;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no approval became pending");
    }

    @Test
    void eachVerdictIsTheHooksAnswer() throws Exception {
        JsonObject read = ask(hookInput("Read", new JsonObject().put("file_path", "/home/dev/repo/README.md"), "t-1"));
        assertEquals("allow", decision(read));
        JsonObject push = ask(hookInput("Bash", new JsonObject().put("command", "git push --force origin main"), "t-2"));
        assertEquals("deny", decision(push));
        assertTrue(reason(push).contains("force pushes rewrite shared history"), reason(push));
        JsonObject unknown = ask(hookInput("WebFetch", new JsonObject().put("url", "https://example.com"), "t-3"));
        assertEquals("deny", decision(unknown), "no rule: default deny");

        String id = push.getJsonObject("countersign").getString("decision_id");
        JsonObject input = TestNode.json(node.get("/v1/decisions/" + id, TestNode.TOKENS.get("admin"))).getJsonObject("input");
        assertEquals("agent.tool.call", input.getJsonObject("action").getString("name"));
        assertEquals("git push --force origin main", input.getJsonObject("action").getString("command"));
        assertEquals(new JsonObject().put("type", "agent.tool").put("id", "Bash"), input.getJsonObject("resource"));
        assertEquals("gateway", input.getJsonObject("actor").getString("id"));
        assertEquals("/home/dev/repo", input.getJsonObject("context").getString("cwd"));
    }

    @Test
    void aHeldCallApprovedWhileItWaitsIsAllowedOnce() throws Exception {
        String body = hookInput("Bash", new JsonObject().put("command", "psql -c 'vacuum " + System.nanoTime() + "'"), "t-4");
        CompletableFuture<JsonObject> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return ask(body);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        String id = approvePending();
        JsonObject answer = waiting.get(20, TimeUnit.SECONDS);
        assertEquals("allow", decision(answer), answer.encode());
        assertTrue(reason(answer).contains("approved by carol@example.com") && reason(answer).contains(id), reason(answer));
    }

    @Test
    void aStillPendingCallDeniesWithItsApprovalAndItsRetryIsAllowedOnceApproved() throws Exception {
        JsonObject command = new JsonObject().put("command", "psql -c 'reindex " + System.nanoTime() + "'");
        JsonObject pending = ask(hookInput("Bash", command, "t-5"));
        assertEquals("deny", decision(pending));
        String id = pending.getJsonObject("countersign").getString("approval_id");
        assertTrue(reason(pending).contains(id) && reason(pending).contains("retry the same call"), reason(pending));
        assertEquals(id, approvePending());

        JsonObject retried = ask(hookInput("Bash", command, "t-6"));   // a new tool_use_id: the same call
        assertEquals("allow", decision(retried), retried.encode());
        assertEquals(id, retried.getJsonObject("countersign").getString("approval_id"));
        JsonObject again = ask(hookInput("Bash", command, "t-7"));
        assertEquals("deny", decision(again), "the grant was used once");
        String anew = again.getJsonObject("countersign").getString("approval_id");
        assertNotEquals(id, anew, "it is asked again, as a new approval");
        assertEquals(200, node.post("/v1/approvals/" + anew + "/votes", "{\"vote\": \"deny\"}", TestNode.TOKENS.get("carol")).statusCode());
    }

    @Test
    void badInputIsA400NamingTheField() throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/hooks/pre-tool-use", "{\"tool_input\": {}}", GATEWAY);
        assertEquals(400, r.statusCode());
        assertEquals("/tool_name", r.bodyAsJsonObject().getString("location"), r.bodyAsString());
        assertEquals(401, node.post("/v1/hooks/pre-tool-use", hookInput("Read", new JsonObject(), "t"), null).statusCode());
    }

    /** Runs the CLI as an agent would: its own JVM, the hook's JSON on standard input, the token in the environment. */
    static CliResult runHook(String url, String stdin) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.countersign.pdp.Main",
                "hook", "pre-tool-use", "--url", url);
        pb.environment().put("COUNTERSIGN_TOKEN", GATEWAY);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new CliResult(p.exitValue(), out);
    }

    record CliResult(int status, String out) {
    }

    @Test
    void theCliAsksTheNodeAndFailsClosedWhenItIsDown() throws Exception {
        String url = "http://127.0.0.1:" + node.server.port();
        CliResult allowed = runHook(url, hookInput("Read", new JsonObject().put("file_path", "a"), "t-8"));
        assertEquals(0, allowed.status());
        assertEquals("allow", decision(new JsonObject(allowed.out())), allowed.out());
        CliResult denied = runHook(url, hookInput("Bash", new JsonObject().put("command", "git push --force"), "t-9"));
        assertEquals(0, denied.status());
        assertEquals("deny", decision(new JsonObject(denied.out())), denied.out());
        CliResult down = runHook("http://127.0.0.1:" + TestNode.freePort(), hookInput("Read", new JsonObject(), "t-10"));
        assertEquals(0, down.status(), "a hook that fails closed still exits 0, so the agent reads its answer");
        JsonObject answer = new JsonObject(down.out());
        assertEquals("deny", decision(answer));
        assertTrue(reason(answer).contains("could not be reached") && reason(answer).contains("fail closed"), reason(answer));
    }
}
