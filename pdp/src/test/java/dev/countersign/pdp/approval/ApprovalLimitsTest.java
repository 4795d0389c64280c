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
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The approval workflow's limits through the API, on one node with small ones: each refused with its
 * code past the limit, everything working below it, and working again once the limit clears.
 */
class ApprovalLimitsTest {
    static final Map<String, String> TOKENS = Map.of("ttl", "ttl-token-0123456789", "big", "big-token-0123456789",
            "burst", "burst-token-0123456789", "brief", "brief-token-0123456789", "other", "other-token-0123456789",
            "waiter", "waiter-token-0123456789", "racer", "racer-token-0123456789", "rita", "rita-token-0123456789", "admin", "admin-token-0123456789");
    static final ServerConfig.ApprovalLimits LIMITS = new ServerConfig.ApprovalLimits(2, Duration.ofHours(24), 2048, 2);

    @TempDir
    static Path dir;
    static TestNode node;

    static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    @BeforeAll
    static void start() throws Exception {
        List<ClientConfig> clients = new ArrayList<>();
        for (String name : List.of("ttl", "big", "burst", "brief", "other", "waiter", "racer")) {
            clients.add(client(name, Scope.DECIDE, null));
        }
        clients.add(client("rita", Scope.REVIEW, "rita@example.com"));
        clients.add(client("admin", Scope.ADMIN, null));
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/limits"), clients, List.of())
                .withReviewers(new ReviewerDirectory(Map.of("ops", List.of(new Reviewer("rita@example.com", null, null)))))
                .withApprovals(new ServerConfig.Approvals(null, Duration.ofSeconds(30), Duration.ofMillis(200)).withLimits(LIMITS));
        node = TestNode.start(config);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static String action(String name, String intent) {
        return "{\"actor\": {\"id\": \"agent:bot\", \"type\": \"agent\"}, \"action\": {\"name\": \"" + name + "\", \"intent\": \""
                + intent + "\"}}";
    }

    static HttpResponse<Buffer> decide(String who, String body) throws Exception {
        return node.post("/v1/decisions", body, TOKENS.get(who));
    }

    static JsonObject held(String who, String body) throws Exception {
        HttpResponse<Buffer> r = decide(who, body);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("needs_approval", r.bodyAsJsonObject().getString("verdict"), r.bodyAsString());
        return r.bodyAsJsonObject().getJsonObject("approval");
    }

    static HttpResponse<Buffer> vote(String id, String vote) throws Exception {
        return node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"" + vote + "\"}", TOKENS.get("rita"));
    }

    static double metric(String line) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(line) + " ([0-9.eE+-]+)$").matcher(node.get("/metrics", null).bodyAsString());
        assertTrue(m.find(), "no metric " + line);
        return Double.parseDouble(m.group(1));
    }

    static double waiters() throws Exception {
        return metric("countersign_approval_waiters");
    }

    /** Polls until the waiters gauge reads {@code expected} (a condition, not a timing: it fails only after 20 s). */
    static void awaitWaiters(double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (waiters() != expected) {
            assertTrue(System.nanoTime() < deadline, "waiters: " + waiters() + ", expected " + expected);
            Thread.sleep(20);
        }
    }

    static long pendingListed() throws Exception {
        return node.get("/v1/approvals?status=pending", TOKENS.get("admin")).bodyAsJsonObject().getJsonArray("approvals").size();
    }

    static void assertRetryAfter(HttpResponse<Buffer> r, long atMost) {
        String retry = r.getHeader("Retry-After");
        assertTrue(retry != null && Long.parseLong(retry) >= 1 && Long.parseLong(retry) <= atMost, "Retry-After " + retry);
    }

    @Test
    void aTtlOverMaxTtlIsCappedAndTheDecisionSaysSo() throws Exception {
        HttpResponse<Buffer> r = decide("ttl", action("long.hold", "a week"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonObject decision = r.bodyAsJsonObject();
        JsonObject approval = decision.getJsonObject("approval");
        assertEquals("PT24H", approval.getString("ttl"));
        Duration left = Duration.between(Instant.now(), Instant.parse(approval.getString("expires_at")));
        assertTrue(left.compareTo(Duration.ofHours(24)) <= 0 && left.compareTo(Duration.ofHours(23)) > 0, "expires in " + left);
        assertTrue(decision.getJsonArray("reasons").stream().map(JsonObject.class::cast).anyMatch(reason ->
                "approval".equals(reason.getString("rule")) && "needs_approval".equals(reason.getString("verdict"))
                        && "ttl PT168H capped to PT24H by approvals.max_ttl".equals(reason.getString("message"))), decision.encode());
        JsonObject record = node.get("/v1/decisions/" + decision.getString("decision_id"), TOKENS.get("admin")).bodyAsJsonObject();
        assertEquals("PT24H", record.getJsonObject("approval").getString("ttl"), record.encode());
        assertTrue(metric("countersign_approval_limits_applied_total{limit=\"max_ttl\"}") >= 1);

        JsonObject within = held("ttl", action("hold", "an hour"));
        assertEquals("PT1H", within.getString("ttl"), "a ttl within the limit is kept");

        String id = approval.getString("id");
        assertEquals(200, vote(id, "approve").statusCode());
        String redeem = action("long.hold", "a week");
        redeem = redeem.substring(0, redeem.length() - 1) + ", \"approval_id\": \"" + id + "\"}";
        HttpResponse<Buffer> redeemed = decide("ttl", redeem);
        assertEquals("allow", redeemed.bodyAsJsonObject().getString("verdict"), redeemed.bodyAsString());
    }

    @Test
    void aContextOverMaxContextBytesIsRefusedBeforeAnythingIsHeld() throws Exception {
        long before = pendingListed();
        HttpResponse<Buffer> r = decide("big", action("hold", "x".repeat(3000)));
        assertEquals(413, r.statusCode(), r.bodyAsString());
        JsonObject error = r.bodyAsJsonObject();
        assertEquals("context_too_large", error.getString("code"));
        assertTrue(error.getString("message").contains("more than approvals.max_context_bytes (2048)"), error.getString("message"));
        assertEquals(before, pendingListed(), "nothing was held");
        assertTrue(metric("countersign_approval_limits_applied_total{limit=\"max_context_bytes\"}") >= 1);

        held("big", action("hold", "x".repeat(1500)));
        HttpResponse<Buffer> read = decide("big", action("read", "x".repeat(3000)));
        assertEquals(200, read.statusCode(), read.bodyAsString());
        assertEquals("allow", read.bodyAsJsonObject().getString("verdict"), "only what is held is bounded by it");
        assertTrue(metric("countersign_decision_cache_bytes") > 6000, "the cached read counts two bytes a character at least");
    }

    @Test
    void aClientAtMaxPendingIsRefusedUntilOneOfItsApprovalsIsDecided() throws Exception {
        String first = held("burst", action("hold", "p1")).getString("id");
        held("burst", action("hold", "p2"));
        HttpResponse<Buffer> refused = decide("burst", action("hold", "p3"));
        assertEquals(429, refused.statusCode(), refused.bodyAsString());
        JsonObject error = refused.bodyAsJsonObject();
        assertEquals("too_many_pending", error.getString("code"));
        assertTrue(error.getString("message").startsWith("client burst has 2 pending approvals, the most"
                + " approvals.max_pending_per_client (2) allows"), error.getString("message"));
        assertRetryAfter(refused, 60);
        assertTrue(metric("countersign_approval_limits_applied_total{limit=\"max_pending_per_client\"}") >= 1);

        JsonObject again = held("burst", action("hold", "p1"));
        assertEquals(first, again.getString("id"), "an ask already pending is answered with its approval at the limit");
        held("other", action("hold", "p3"));   // counted per client

        assertEquals(200, vote(first, "deny").statusCode());
        held("burst", action("hold", "p3"));
        assertEquals(429, decide("burst", action("hold", "p4")).statusCode(), "at the limit again");
    }

    @Test
    void concurrentHoldsOfOneClientPassTheLimitAtMostByThoseInFlight() throws Exception {
        List<CompletableFuture<HttpResponse<Buffer>>> racing = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            racing.add(node.client.post("/v1/decisions").putHeader("Content-Type", "application/json")
                    .putHeader("Authorization", "Bearer " + TOKENS.get("racer"))
                    .sendBuffer(Buffer.buffer(action("hold", "race " + i))).toCompletionStage().toCompletableFuture());
        }
        int held = 0;
        for (CompletableFuture<HttpResponse<Buffer>> r : racing) {
            HttpResponse<Buffer> answer = r.get(30, TimeUnit.SECONDS);
            if (answer.statusCode() == 200) {
                assertEquals("needs_approval", answer.bodyAsJsonObject().getString("verdict"));
                held++;
            } else {
                assertEquals(429, answer.statusCode(), answer.bodyAsString());
                assertEquals("too_many_pending", answer.bodyAsJsonObject().getString("code"));
            }
        }
        assertTrue(held >= 2, "a hold is refused only once two are pending: " + held);
        HttpResponse<Buffer> after = decide("racer", action("hold", "after the race"));
        assertEquals(429, after.statusCode(), "once they are held, the next one is refused: " + held + " held");
    }

    @Test
    void anExpiredApprovalFreesItsPlace() throws Exception {
        String first = held("brief", action("brief.hold", "e1")).getString("id");
        held("brief", action("brief.hold", "e2"));
        HttpResponse<Buffer> refused = decide("brief", action("brief.hold", "e3"));
        assertEquals(429, refused.statusCode(), refused.bodyAsString());
        assertRetryAfter(refused, 5);
        JsonObject waited = node.get("/v1/approvals/" + first + "?wait=20s", TOKENS.get("brief")).bodyAsJsonObject();
        assertEquals("expired", waited.getString("status"), waited.encode());
        held("brief", action("brief.hold", "e3"));
    }

    @Test
    void waitsPastMaxWaitersAreRefusedUntilAWaiterIsGone() throws Exception {
        String id = held("waiter", action("hold", "w1")).getString("id");
        awaitWaiters(0);
        List<CompletableFuture<HttpResponse<Buffer>>> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiting.add(node.client.get("/v1/approvals/" + id + "?wait=20s").putHeader("Authorization", "Bearer " + TOKENS.get("waiter"))
                    .send().toCompletionStage().toCompletableFuture());
        }
        awaitWaiters(2);
        HttpResponse<Buffer> refused = node.get("/v1/approvals/" + id + "?wait=20s", TOKENS.get("waiter"));
        assertEquals(429, refused.statusCode(), refused.bodyAsString());
        assertEquals("too_many_waiters", refused.bodyAsJsonObject().getString("code"));
        assertTrue(refused.bodyAsJsonObject().getString("message").contains("approvals.max_waiters"));
        assertRetryAfter(refused, 1);
        assertEquals(200, node.get("/v1/approvals/" + id, TOKENS.get("waiter")).statusCode(), "a read without wait is not a waiter");
        assertTrue(metric("countersign_approval_limits_applied_total{limit=\"max_waiters\"}") >= 1);

        assertEquals(200, vote(id, "approve").statusCode());
        for (CompletableFuture<HttpResponse<Buffer>> w : waiting) {
            assertEquals("approved", w.get(20, TimeUnit.SECONDS).bodyAsJsonObject().getString("status"));
        }
        awaitWaiters(0);

        String next = held("waiter", action("hold", "w2")).getString("id");
        Vertx leaving = Vertx.vertx();
        try {
            WebClient gone = WebClient.create(leaving, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.server.port()));
            for (int i = 0; i < 2; i++) {
                gone.get("/v1/approvals/" + next + "?wait=29s").putHeader("Authorization", "Bearer " + TOKENS.get("waiter")).send();
            }
            awaitWaiters(2);
            assertEquals(429, node.get("/v1/approvals/" + next + "?wait=1s", TOKENS.get("waiter")).statusCode());
            gone.close();
        } finally {
            leaving.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        awaitWaiters(0);   // within 20 s: callers that left gave their places back before their 29 s waits ran out
        HttpResponse<Buffer> admitted = node.get("/v1/approvals/" + next + "?wait=100ms", TOKENS.get("waiter"));
        assertEquals(200, admitted.statusCode(), admitted.bodyAsString());
        assertEquals("pending", admitted.bodyAsJsonObject().getString("status"));
        assertNotEquals(id, next);
    }
}
