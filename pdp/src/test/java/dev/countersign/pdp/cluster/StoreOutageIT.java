package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.cluster.store.StoreLocation;
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
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on a real PostgreSQL that is stopped for 30 s: every approval change is refused with 503
 * {@code store_unavailable} and Retry-After, readiness is down on {@code checks.store}, decisions
 * that hold nothing are still answered and approvals still read; once the database is back the node
 * resumes by itself, and what it holds is exactly what was acknowledged, also after a restart.
 */
class StoreOutageIT {
    private static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789",
            "dan", "dan-token-0123456789");
    @TempDir
    Path dir;

    private static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    private ServerConfig config(Path home, String url, TestPostgres pg) throws Exception {
        ReviewerDirectory reviewers = new ReviewerDirectory(Map.of(
                "data-governance", List.of(new Reviewer("carol@example.com", null, null)),
                "security", List.of(new Reviewer("carol@example.com", null, null), new Reviewer("dan@example.com", null, null))));
        return TestNode.config(home, Path.of("src/test/resources/bundles/approvals"), List.of(client("gateway", Scope.DECIDE, null),
                        client("carol", Scope.REVIEW, "carol@example.com"), client("dan", Scope.REVIEW, "dan@example.com")), List.of())
                .withReviewers(reviewers)
                .withStore(new ServerConfig.Store(ServerConfig.Store.Kind.POSTGRES, StoreLocation.postgres(url, TestPostgres.USER,
                        pg.password, 4)));
    }

    private static HttpResponse<Buffer> decide(TestNode node, String body) throws Exception {
        return node.post("/v1/decisions", body, TOKENS.get("gateway"));
    }

    private static HttpResponse<Buffer> vote(TestNode node, String id, String who) throws Exception {
        return node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get(who));
    }

    private static void assertRefusedForTheStore(HttpResponse<Buffer> r, String what) {
        assertEquals(503, r.statusCode(), what + ": " + r.bodyAsString());
        assertEquals("store_unavailable", r.bodyAsJsonObject().getString("code"), what + ": " + r.bodyAsString());
        assertTrue(r.getHeader("Retry-After") != null, what + " says when to retry");
    }

    @Test
    void aDatabaseStoppedFor30SecondsRefusesChangesLosesNothingAndIsResumedByItself() throws Exception {
        try (TestPostgres pg = TestPostgres.start()) {
            String url = pg.createDatabase();
            ServerConfig config = config(dir.resolve("node"), url, pg);
            String held;
            TestNode node = TestNode.start(config);
            try {
                HttpResponse<Buffer> hold = decide(node, NodeProcesses.roleGrant("outage-" + UUID.randomUUID()));
                assertEquals(200, hold.statusCode(), hold.bodyAsString());
                held = hold.bodyAsJsonObject().getJsonObject("approval").getString("id");
                assertEquals(200, vote(node, held, "carol").statusCode());

                pg.stopServer();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                int rounds = 0;
                while (System.nanoTime() < until) {
                    assertRefusedForTheStore(vote(node, held, "dan"), "a vote while the database is down");
                    assertRefusedForTheStore(decide(node, NodeProcesses.export("during " + UUID.randomUUID())), "a hold");
                    HttpResponse<Buffer> read = decide(node, NodeProcesses.read("during the outage " + rounds));
                    assertEquals(200, read.statusCode(), read.bodyAsString());
                    assertEquals("allow", read.bodyAsJsonObject().getString("verdict"), "decisions that hold nothing are answered");
                    HttpResponse<Buffer> approval = node.get("/v1/approvals/" + held, TOKENS.get("gateway"));
                    assertEquals(200, approval.statusCode(), approval.bodyAsString());
                    assertEquals(1, approval.bodyAsJsonObject().getJsonArray("votes").size(), "only the acknowledged vote");
                    HttpResponse<Buffer> ready = node.get("/health/ready", null);
                    assertEquals(503, ready.statusCode(), ready.bodyAsString());
                    JsonObject store = ready.bodyAsJsonObject().getJsonObject("checks").getJsonObject("store");
                    assertEquals("down", store.getString("status"), store.encode());
                    assertTrue(store.getString("error").contains("approval changes are refused"), store.encode());
                    HttpResponse<Buffer> live = node.get("/health", null);
                    assertEquals(200, live.statusCode(), "the node stays alive: it needs no restart");
                    rounds++;
                    Thread.sleep(1000);
                }
                assertTrue(rounds >= 10, "refused throughout: " + rounds + " rounds");

                pg.startServer();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (node.get("/health/ready", null).statusCode() != 200) {
                    assertTrue(System.nanoTime() < deadline, "ready again once the database is back: "
                            + node.get("/health/ready", null).bodyAsString());
                    Thread.sleep(200);
                }
                HttpResponse<Buffer> second = vote(node, held, "dan");
                assertEquals(200, second.statusCode(), second.bodyAsString());
                assertEquals("approved", second.bodyAsJsonObject().getString("status"), second.bodyAsString());
                assertEquals(2, second.bodyAsJsonObject().getJsonArray("votes").size(), "carol's and dan's, each once");
                HttpResponse<Buffer> after = decide(node, NodeProcesses.export("after " + UUID.randomUUID()));
                assertEquals(200, after.statusCode(), after.bodyAsString());
                assertEquals("needs_approval", after.bodyAsJsonObject().getString("verdict"));
                String metrics = node.get("/metrics", null).bodyAsString();
                assertTrue(metrics.contains("countersign_store_write_errors_total"), "store errors are counted");
                assertTrue(metrics.contains("countersign_store_writes_seconds_count"), "store writes are timed");
            } finally {
                node.close();
            }

            TestNode again = TestNode.start(config);
            try {
                JsonObject approval = again.get("/v1/approvals/" + held, TOKENS.get("gateway")).bodyAsJsonObject();
                assertEquals("approved", approval.getString("status"), "durable across a restart: " + approval.encode());
                assertEquals(2, approval.getJsonArray("votes").size(), approval.encode());
            } finally {
                again.close();
            }
        }
    }
}
