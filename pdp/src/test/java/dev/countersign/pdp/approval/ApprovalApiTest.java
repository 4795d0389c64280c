package dev.countersign.pdp.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The approval workflow through the API, on one node: hold, wait, vote, redeem once, expire, call back. */
class ApprovalApiTest {
    static final String SECRET = "callback-secret-0123456789";
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789",
            "dan", "dan-token-0123456789", "erin", "erin-token-0123456789", "alice", "alice-token-0123456789",
            "nobody", "nobody-token-0123456789", "other-gateway", "other-gateway-token-0123456789",
            "dan-console", "dan-console-token-0123456789");

    @TempDir
    static Path dir;
    static TestNode node;
    static Vertx receiverVertx;
    static HttpServer receiver;
    static final LinkedBlockingQueue<Map<String, String>> callbacks = new LinkedBlockingQueue<>();

    static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    @BeforeAll
    static void start() throws Exception {
        receiverVertx = Vertx.vertx();
        receiver = receiverVertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            callbacks.add(Map.of("body", body.toString(StandardCharsets.UTF_8),
                    "timestamp", String.valueOf(request.getHeader("X-Countersign-Timestamp")),
                    "signature", String.valueOf(request.getHeader("X-Countersign-Signature")),
                    "delivery", String.valueOf(request.getHeader("X-Countersign-Delivery"))));
            request.response().setStatusCode(204).end();
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        ReviewerDirectory reviewers = new ReviewerDirectory(Map.of(
                "data-governance", List.of(new Reviewer("carol@example.com", "U0CAROL", null), new Reviewer("alice@example.com", null, null)),
                "security", List.of(new Reviewer("carol@example.com", null, null), new Reviewer("dan@example.com", null, null)),
                "sre", List.of(new Reviewer("erin@example.com", null, null))));
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/approvals"), List.of(
                        client("gateway", Scope.DECIDE, null), client("carol", Scope.REVIEW, "carol@example.com"),
                        client("dan", Scope.REVIEW, "dan@example.com"), client("erin", Scope.REVIEW, "erin@example.com"),
                        client("alice", Scope.REVIEW, "alice@example.com"), client("nobody", Scope.REVIEW, null),
                        client("other-gateway", Scope.DECIDE, null),
                        new ClientConfig("dan-console", Authenticator.sha256Hex(TOKENS.get("dan-console")), EnumSet.of(Scope.DECIDE, Scope.REVIEW),
                                "dan@example.com")), List.of())
                .withReviewers(reviewers)
                .withApprovals(new ServerConfig.Approvals(SECRET, Duration.ofSeconds(30), Duration.ofMillis(200),
                        List.of("127.0.0.1", "*.hooks.example.com")));
        node = TestNode.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
        receiverVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static String export(String intent) {
        return "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\", \"on_behalf_of\": \"alice@example.com\"},"
                + " \"action\": {\"name\": \"data.export\", \"intent\": \"" + intent + "\"}, \"resource\": {\"environment\": \"production\"}}";
    }

    static JsonObject decide(String body) throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/decisions", body, TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    static HttpResponse<Buffer> vote(String id, String who, String vote) throws Exception {
        return node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"" + vote + "\", \"comment\": \"by " + who + "\"}", TOKENS.get(who));
    }

    static String withApproval(String body, String approvalId) {
        return body.substring(0, body.length() - 1) + ", \"approval_id\": \"" + approvalId + "\"}";
    }

    @Test
    void aHeldActionIsApprovedByOneReviewerAndRedeemedExactlyOnce() throws Exception {
        String body = export("approve once");
        JsonObject held = decide(body);
        assertEquals("needs_approval", held.getString("verdict"));
        JsonObject approval = held.getJsonObject("approval");
        String id = approval.getString("id");
        assertTrue(id.matches("apr_[0-9a-z]{26}"), id);
        assertEquals("pending", approval.getString("status"));
        assertEquals(new JsonArray().add("data-governance"), approval.getJsonArray("groups"));

        assertEquals(id, decide(body).getJsonObject("approval").getString("id"), "the same ask gets the same approval");

        CompletableFuture<HttpResponse<Buffer>> waiter = node.client.get("/v1/approvals/" + id + "?wait=20s")
                .putHeader("Authorization", "Bearer " + TOKENS.get("gateway")).send().toCompletionStage().toCompletableFuture();
        Thread.sleep(300);
        assertTrue(!waiter.isDone(), "the waiter waits while the approval is pending");

        HttpResponse<Buffer> voted = vote(id, "carol", "approve");
        assertEquals(200, voted.statusCode(), voted.bodyAsString());
        assertEquals("approved", voted.bodyAsJsonObject().getString("status"));
        JsonObject woken = waiter.get(10, TimeUnit.SECONDS).bodyAsJsonObject();
        assertEquals("approved", woken.getString("status"));
        JsonObject vote = woken.getJsonArray("votes").getJsonObject(0);
        assertEquals("carol@example.com", vote.getString("reviewer"));
        assertEquals("approve", vote.getString("vote"));
        assertEquals("by carol", vote.getString("comment"));

        JsonObject redeemed = decide(withApproval(body, id));
        assertEquals("allow", redeemed.getString("verdict"), redeemed.encode());
        assertEquals("approval", redeemed.getJsonArray("reasons").getJsonObject(0).getString("rule"));
        JsonObject again = decide(withApproval(body, id));
        assertEquals("deny", again.getString("verdict"));
        assertTrue(again.getJsonArray("reasons").getJsonObject(0).getString("message").contains("already used"), again.encode());
        JsonObject other = decide(withApproval(export("something else"), id));
        assertEquals("deny", other.getString("verdict"));

        assertEquals(409, vote(id, "carol", "deny").statusCode(), "a decided approval is final");
        assertEquals(200, vote(id, "carol", "approve").statusCode(), "an identical repeated vote changes nothing");
    }

    @Test
    void anotherContextCannotUseAGrant() throws Exception {
        String id = decide(export("grant for one context")).getJsonObject("approval").getString("id");
        assertEquals(200, vote(id, "carol", "approve").statusCode());
        JsonObject other = decide(withApproval(export("a different context"), id));
        assertEquals("deny", other.getString("verdict"));
        assertTrue(other.getJsonArray("reasons").getJsonObject(0).getString("message").contains("another action context"), other.encode());
        assertEquals("allow", decide(withApproval(export("grant for one context"), id)).getString("verdict"), "the grant is still unused");
    }

    @Test
    void onlyTheClientThatAskedUsesTheGrant() throws Exception {
        String body = export("asked by the gateway");
        String id = decide(body).getJsonObject("approval").getString("id");
        JsonObject askedByOther = node.post("/v1/decisions", body, TOKENS.get("other-gateway")).bodyAsJsonObject();
        assertNotEquals(id, askedByOther.getJsonObject("approval").getString("id"), "another client's ask is its own");
        assertEquals(200, vote(id, "carol", "approve").statusCode());
        HttpResponse<Buffer> byOther = node.post("/v1/decisions", withApproval(body, id), TOKENS.get("other-gateway"));
        assertEquals(200, byOther.statusCode());
        assertEquals("deny", byOther.bodyAsJsonObject().getString("verdict"));
        assertEquals("approval " + id + " is unknown", byOther.bodyAsJsonObject().getJsonArray("reasons").getJsonObject(0).getString("message"),
                byOther.bodyAsString());
        assertEquals("gateway", node.get("/v1/approvals/" + id, TOKENS.get("carol")).bodyAsJsonObject()
                .getJsonObject("requester").getString("client"));
        assertEquals("allow", decide(withApproval(body, id)).getString("verdict"), "the asking client still has its grant");
    }

    @Test
    void aClientThatAskedCannotApproveAsItsReviewer() throws Exception {
        String body = "{\"actor\": {\"id\": \"frank\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"}, \"grantee\": \"hal\"}";
        HttpResponse<Buffer> held = node.post("/v1/decisions", body, TOKENS.get("dan-console"));
        String id = held.bodyAsJsonObject().getJsonObject("approval").getString("id");
        HttpResponse<Buffer> self = vote(id, "dan-console", "approve");
        assertEquals(403, self.statusCode());
        assertEquals("self_approval", self.bodyAsJsonObject().getString("code"));
        assertTrue(self.bodyAsJsonObject().getString("message").contains("through the API client dan-console"), self.bodyAsString());
        assertEquals(403, vote(id, "dan", "approve").statusCode(), "nor as the same reviewer through another client");
        assertEquals("pending", vote(id, "carol", "approve").bodyAsJsonObject().getString("status"), "others still count");
    }

    @Test
    void aWaitTooLongToCountIsTheLongestWait() throws Exception {
        String id = decide(export("long wait")).getJsonObject("approval").getString("id");
        assertEquals(200, vote(id, "carol", "approve").statusCode());
        HttpResponse<Buffer> r = node.get("/v1/approvals/" + id + "?wait=99999999999999999999s", TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("approved", r.bodyAsJsonObject().getString("status"));
    }

    @Test
    void votesThatDoNotCountAreRefusedWithTheReason() throws Exception {
        String id = decide("{\"actor\": {\"id\": \"dan@example.com\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"frank\"}").getJsonObject("approval").getString("id");
        HttpResponse<Buffer> self = vote(id, "dan", "approve");
        assertEquals(403, self.statusCode());
        assertEquals("self_approval", self.bodyAsJsonObject().getString("code"));
        HttpResponse<Buffer> outsider = vote(id, "erin", "approve");
        assertEquals(404, outsider.statusCode(), "a reviewer of none of its groups may not know it exists");
        assertEquals("no approval " + id, outsider.bodyAsJsonObject().getString("message"));
        assertEquals(403, vote(id, "nobody", "approve").statusCode(), "a client without a reviewer identity");
        assertEquals(403, node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("gateway")).statusCode(),
                "the decide scope does not vote");

        HttpResponse<Buffer> first = vote(id, "carol", "approve");
        assertEquals("pending", first.bodyAsJsonObject().getString("status"), "one of two security approvers");
        assertEquals(200, vote(id, "carol", "approve").statusCode(), "repeat is idempotent");
        HttpResponse<Buffer> changed = vote(id, "carol", "deny");
        assertEquals(409, changed.statusCode());
        assertEquals("already_voted", changed.bodyAsJsonObject().getString("code"));
        assertEquals(404, vote("apr_00000000000000000000000000", "carol", "approve").statusCode());
        assertEquals(400, node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"maybe\"}", TOKENS.get("carol")).statusCode());
    }

    @Test
    void theRequesterCannotApproveOnBehalfOfItself() throws Exception {
        String id = decide(export("alice may not approve her own agent")).getJsonObject("approval").getString("id");
        HttpResponse<Buffer> r = vote(id, "alice", "approve");
        assertEquals(403, r.statusCode());
        assertTrue(r.bodyAsJsonObject().getString("message").contains("acts on their behalf"), r.bodyAsString());
    }

    @Test
    void anyDenyDenies() throws Exception {
        String body = "{\"actor\": {\"id\": \"frank\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"}, \"grantee\": \"gina\"}";
        String id = decide(body).getJsonObject("approval").getString("id");
        assertEquals("pending", vote(id, "carol", "approve").bodyAsJsonObject().getString("status"));
        JsonObject denied = vote(id, "dan", "deny").bodyAsJsonObject();
        assertEquals("denied", denied.getString("status"));
        assertEquals("dan@example.com", denied.getString("decided_by"));
        JsonObject redeemed = decide(withApproval(body, id));
        assertEquals("deny", redeemed.getString("verdict"));
        assertTrue(redeemed.getJsonArray("reasons").getJsonObject(0).getString("message").contains("is denied"));
    }

    @Test
    void anApprovalNobodyDecidesExpiresAndIsFinal() throws Exception {
        String body = "{\"actor\": {\"id\": \"bot\", \"type\": \"agent\"}, \"action\": {\"name\": \"quick.hold\"}}";
        String id = decide(body).getJsonObject("approval").getString("id");
        JsonObject waited = node.get("/v1/approvals/" + id + "?wait=10s", TOKENS.get("gateway")).bodyAsJsonObject();
        assertEquals("expired", waited.getString("status"), waited.encode());
        HttpResponse<Buffer> late = vote(id, "erin", "approve");
        assertEquals(409, late.statusCode());
        assertTrue(late.bodyAsJsonObject().getString("message").contains("expired"));
        assertEquals("deny", decide(withApproval(body, id)).getString("verdict"));
        awaitAudit("\"event\":\"expired\",\"event_id\":\"" + id + ":");
        assertNotEquals(id, decide(body).getJsonObject("approval").getString("id"), "a new ask after expiry is a new approval");
    }

    @Test
    void reviewersListWhatIsPendingForTheirGroup() throws Exception {
        String id = decide(export("listed")).getJsonObject("approval").getString("id");
        JsonObject listed = node.get("/v1/approvals?status=pending&group=data-governance", TOKENS.get("carol")).bodyAsJsonObject();
        assertTrue(listed.getJsonArray("approvals").stream().anyMatch(a -> ((JsonObject) a).getString("id").equals(id)), listed.encode());
        JsonObject otherGroup = node.get("/v1/approvals?status=pending&group=sre", TOKENS.get("carol")).bodyAsJsonObject();
        assertTrue(otherGroup.getJsonArray("approvals").stream().noneMatch(a -> ((JsonObject) a).getString("id").equals(id)));
        assertEquals(403, node.get("/v1/approvals", TOKENS.get("gateway")).statusCode(), "listing needs review or admin");
        assertEquals(400, node.get("/v1/approvals?status=maybe", TOKENS.get("carol")).statusCode());
    }

    @Test
    void theOutcomeIsPostedSignedToTheCallbackUrl() throws Exception {
        String url = "http://127.0.0.1:" + receiver.actualPort() + "/hook";
        String body = export("with a callback");
        JsonObject held = decide(body.substring(0, body.length() - 1) + ", \"callback_url\": \"" + url + "\"}");
        String id = held.getJsonObject("approval").getString("id");
        callbacks.clear();
        assertEquals(200, vote(id, "carol", "approve").statusCode());
        Map<String, String> received = callbacks.poll(20, TimeUnit.SECONDS);
        assertTrue(received != null, "the callback arrived");
        JsonObject outcome = new JsonObject(received.get("body"));
        assertEquals(id, outcome.getString("approval_id"));
        assertEquals("approved", outcome.getString("status"));
        String expected = "v1=" + CallbackSender.sign(SECRET, received.get("timestamp"), received.get("body").getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, received.get("signature"));
        assertTrue(Math.abs(Long.parseLong(received.get("timestamp")) - System.currentTimeMillis() / 1000) < 60);
        assertTrue(received.get("delivery").startsWith(id + "-"));
    }

    @Test
    void aCallbackGoesOnlyToAnAllowedHost() throws Exception {
        String body = export("callback elsewhere");
        for (String url : List.of("http://10.0.0.1/hook", "https://hooks.example.org/x", "http://127.0.0.1.hooks.example.org/")) {
            HttpResponse<Buffer> r = node.post("/v1/decisions", body.substring(0, body.length() - 1) + ", \"callback_url\": \"" + url + "\"}",
                    TOKENS.get("gateway"));
            assertEquals(400, r.statusCode(), url);
            assertEquals("callback_not_allowed", r.bodyAsJsonObject().getString("code"));
            assertEquals("/callback_url", r.bodyAsJsonObject().getString("location"));
            assertTrue(r.bodyAsJsonObject().getString("message").contains("approvals.callback_hosts"), r.bodyAsString());
        }
        HttpResponse<Buffer> credentials = node.post("/v1/decisions", body.substring(0, body.length() - 1)
                + ", \"callback_url\": \"https://u:p@a.hooks.example.com/\"}", TOKENS.get("gateway"));
        assertEquals(400, credentials.statusCode());
        assertTrue(credentials.bodyAsJsonObject().getString("message").contains("no user name or password"));
    }

    @Test
    void aCallbackUrlMustBeHttp() throws Exception {
        String body = export("bad callback");
        HttpResponse<Buffer> r = node.post("/v1/decisions", body.substring(0, body.length() - 1) + ", \"callback_url\": \"file:///etc/passwd\"}",
                TOKENS.get("gateway"));
        assertEquals(400, r.statusCode());
        assertEquals("/callback_url", r.bodyAsJsonObject().getString("location"));
    }

    @Test
    void everyTransitionIsAudited() throws Exception {
        String id = decide(export("audited")).getJsonObject("approval").getString("id");
        assertEquals(200, vote(id, "carol", "approve").statusCode());
        decide(withApproval(export("audited"), id));
        for (String event : List.of("created", "vote", "approved", "redeemed")) {
            awaitAudit("\"event\":\"" + event + "\",\"event_id\":\"" + id + ":");
        }
    }

    static void awaitAudit(String fragment) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            node.server.audit().flush();
            try (Stream<Path> files = Files.list(node.data.resolve("audit"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                    if (Files.readString(f).contains(fragment)) {
                        return;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not in the audit log: " + fragment);
    }
}
