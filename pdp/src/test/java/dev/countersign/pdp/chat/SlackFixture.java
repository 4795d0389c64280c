package dev.countersign.pdp.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.connectors.slack.FakeSlack;
import dev.countersign.connectors.slack.PostedMessage;
import dev.countersign.connectors.slack.SignedRequest;
import dev.countersign.connectors.slack.SlackClickDriver;
import dev.countersign.pdp.config.ChatSettings;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A node reviewing in a fake Slack: the fake Web API as a real server, a node routing approvals of
 * {@code data-governance} to {@value #GOVERNANCE} and every other group to {@value #APPROVALS}, a
 * directory of reviewers with Slack handles (dan by email only), and a click driver signing as the
 * Slack app does.
 */
final class SlackFixture implements AutoCloseable {
    static final String SIGNING_SECRET = "slack-signing-secret-0123456789";
    static final String GOVERNANCE = "C0GOVERNANCE";
    static final String APPROVALS = "C0APPROVALS";
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789",
            "erin", "erin-token-0123456789", "admin", "admin-token-0123456789");

    final Vertx vertx;
    final FakeSlack slack;
    final SlackClickDriver driver;
    final TestNode node;
    final String interactions;

    private SlackFixture(Vertx vertx, FakeSlack slack, TestNode node) {
        this.vertx = vertx;
        this.slack = slack;
        this.driver = new SlackClickDriver(SIGNING_SECRET, slack);
        this.node = node;
        this.interactions = "http://127.0.0.1:" + node.server.port() + "/connectors/slack/interactions";
    }

    static ReviewerDirectory directory() {
        return new ReviewerDirectory(Map.of(
                "data-governance", List.of(new Reviewer("carol@example.com", "U0CAROL", null), new Reviewer("dan@example.com", null, null),
                        new Reviewer("alice@example.com", "U0ALICE", null)),
                "security", List.of(new Reviewer("carol@example.com", "U0CAROL", null), new Reviewer("frank@example.com", "U0FRANK", null)),
                "sre", List.of(new Reviewer("erin@example.com", "U0ERIN", null))));
    }

    static ChatSettings chat(String slackBase) {
        return new ChatSettings(new ChatSettings.Slack(FakeSlack.BOT_TOKEN, SIGNING_SECRET, slackBase, null), null,
                Map.of("data-governance", List.of("slack:" + GOVERNANCE), ChatSettings.FALLBACK, List.of("slack:" + APPROVALS)),
                ChatSettings.Reminders.NONE, "https://countersign.example.com");
    }

    static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    /** A fake Slack and one node using it, with {@code chat} changed by {@code adjust}. */
    static SlackFixture start(Path dir, java.time.Clock clock, java.util.function.UnaryOperator<ChatSettings> adjust) throws Exception {
        return start(dir, clock, adjust, Path.of("src/test/resources/bundles/approvals"), java.util.function.UnaryOperator.identity());
    }

    /** As {@link #start(Path, java.time.Clock, java.util.function.UnaryOperator)}, serving {@code bundle}, the configuration changed by {@code configure}. */
    static SlackFixture start(Path dir, java.time.Clock clock, java.util.function.UnaryOperator<ChatSettings> adjust, Path bundle,
                              java.util.function.UnaryOperator<ServerConfig> configure) throws Exception {
        Vertx vertx = Vertx.vertx();
        FakeSlack slack = await(FakeSlack.start(vertx)).channel(GOVERNANCE, "data-governance").channel(APPROVALS, "approvals")
                .user("U0CAROL", "carol@example.com").user("U0DAN", "dan@example.com").user("U0ALICE", "alice@example.com")
                .user("U0ERIN", "erin@example.com").user("U0FRANK", "frank@example.com").user("U0MALLORY", "mallory@example.com");
        ServerConfig config = TestNode.config(dir, bundle, List.of(
                        client("gateway", Scope.DECIDE, null), client("carol", Scope.REVIEW, "carol@example.com"),
                        client("erin", Scope.REVIEW, "erin@example.com"), client("admin", Scope.ADMIN, null)), List.of())
                .withReviewers(directory())
                .withChat(adjust.apply(chat(slack.baseUrl())));
        // The test may move the node's clock; the cluster's stays the system's.
        config = configure.apply(config.withCluster(config.cluster().withMaxClockSkew(Duration.ofDays(1))));
        return new SlackFixture(vertx, slack, TestNode.start(config, clock));
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Polls {@code condition} until it holds, for up to {@code seconds}. */
    static void eventually(String what, int seconds, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.get()) {
            assertTrue(System.nanoTime() < deadline, "not within " + seconds + " s: " + what);
            Thread.sleep(25);
        }
    }

    static String export(String intent) {
        return "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\", \"on_behalf_of\": \"alice@example.com\"},"
                + " \"action\": {\"name\": \"data.export\", \"command\": \"COPY customers TO 's3://x'\", \"intent\": \"" + intent + "\"},"
                + " \"resource\": {\"type\": \"table\", \"id\": \"prod.customers\", \"classification\": \"pii\", \"environment\": \"production\","
                + " \"region\": \"eu-west-1\"}, \"target\": {\"region\": \"us-east-1\"},"
                + " \"context\": {\"model_id\": \"gpt-4.1\", \"dataset_origin\": \"crm\", \"compliance_tags\": [\"gdpr\"]}}";
    }

    /** Asks for {@code body}'s action; answers the held approval's id. */
    String hold(String body) throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/decisions", body, TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("needs_approval", r.bodyAsJsonObject().getString("verdict"), r.bodyAsString());
        return r.bodyAsJsonObject().getJsonObject("approval").getString("id");
    }

    JsonObject approval(String id) throws Exception {
        HttpResponse<Buffer> r = node.get("/v1/approvals/" + id, TOKENS.get("admin"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    /** The card of approval {@code id} in {@code channel}, once it is there (exactly one). */
    PostedMessage card(String channel, String id) throws Exception {
        eventually("the card of " + id + " in " + channel, 15, () -> cards(channel, id).size() == 1);
        return cards(channel, id).get(0);
    }

    List<PostedMessage> cards(String channel, String id) {
        return slack.messages(channel).stream().filter(m -> m.allText().contains(id) || String.valueOf(m.blocks()).contains(id)).toList();
    }

    SignedRequest.Answer send(SignedRequest request) throws Exception {
        return await(request.send(vertx, interactions));
    }

    @Override
    public void close() throws Exception {
        node.close();
        await(slack.close());
        await(vertx.close());
    }
}
