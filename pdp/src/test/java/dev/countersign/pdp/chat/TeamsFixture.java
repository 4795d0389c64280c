package dev.countersign.pdp.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.slack.FakeSlack;
import dev.countersign.connectors.teams.ActivityRequest;
import dev.countersign.connectors.teams.FakeBotConnector;
import dev.countersign.connectors.teams.FakeBotIssuer;
import dev.countersign.connectors.teams.FakeTeamsTokens;
import dev.countersign.connectors.teams.StoredActivity;
import dev.countersign.connectors.teams.TeamsActivitySender;
import dev.countersign.pdp.config.ChatSettings;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A node reviewing in a fake Microsoft Teams: the token endpoint, the Bot Connector (its service
 * URL, with a path prefix, configured as {@code connectors.teams.service_url}) and the Bot
 * Framework's OpenID/JWKS issuer as real servers on 127.0.0.1; one node routing approvals of
 * {@code data-governance} to the conversation {@value #GOVERNANCE} and every other group to
 * {@value #APPROVALS}; a directory whose reviewers carry the Entra object ids of the sender's
 * {@link TeamsActivitySender#CAROL CAROL} and {@link TeamsActivitySender#DAN DAN} (and Slack ids,
 * for a node that also has Slack); and an activity sender minting tokens as the Bot Connector does.
 *
 * <p>People: carol (data-governance, security), dan (data-governance, security), alice (the
 * requester's person, data-governance; the bot is installed for her, so she can be told outcomes in
 * a personal chat), erin (sre only), mallory (in Teams, not in the directory).
 */
final class TeamsFixture implements AutoCloseable {
    static final String GOVERNANCE = "19:governance0a1b2c3d4e5f@thread.tacv2";
    static final String APPROVALS = "19:approvals6a7b8c9d0e1f@thread.tacv2";
    static final Map<String, String> TOKENS = SlackFixture.TOKENS;

    static final TeamsActivitySender.Reviewer CAROL = TeamsActivitySender.CAROL;
    static final TeamsActivitySender.Reviewer DAN = TeamsActivitySender.DAN;
    static final TeamsActivitySender.Reviewer ALICE = new TeamsActivitySender.Reviewer("8d3b2e5c-4f60-4b7c-9d8e-0f1a2b3c4d5e",
            "29:1Alice-QwErTyUiOpAsDfGhJkLzXcVbNm0123456789", "Alice Requester");
    static final TeamsActivitySender.Reviewer ERIN = new TeamsActivitySender.Reviewer("9e4c3f6d-5a71-4c8d-8e9f-1a2b3c4d5e6f",
            "29:1Erin-MnBvCxZlKjHgFdSaPoIuYtReWq9876543210", "Erin Sre");
    static final TeamsActivitySender.Reviewer MALLORY = new TeamsActivitySender.Reviewer("af5d4a7e-6b82-4d9e-9fa0-2b3c4d5e6f70",
            "29:1Mallory-AaBbCcDdEeFfGgHhIiJjKkLlMmNnOoPp", "Mallory Outsider");

    final Vertx vertx;
    final FakeTeamsTokens tokens;
    final FakeBotConnector bot;
    final FakeBotIssuer issuer;
    final TeamsActivitySender sender;
    final FakeSlack slack;
    final TestNode node;
    final String messages;

    private TeamsFixture(Vertx vertx, FakeTeamsTokens tokens, FakeBotConnector bot, FakeBotIssuer issuer, FakeSlack slack, TestNode node) {
        this.vertx = vertx;
        this.tokens = tokens;
        this.bot = bot;
        this.issuer = issuer;
        this.slack = slack;
        this.node = node;
        this.sender = new TeamsActivitySender(issuer, tokens.appId(), tokens.tenantId(), bot.serviceUrl());
        this.messages = "http://127.0.0.1:" + node.server.port() + "/connectors/teams/messages";
    }

    static ReviewerDirectory directory() {
        Reviewer carol = new Reviewer("carol@example.com", "U0CAROL", CAROL.aadObjectId());
        Reviewer dan = new Reviewer("dan@example.com", null, DAN.aadObjectId());
        Reviewer alice = new Reviewer("alice@example.com", "U0ALICE", ALICE.aadObjectId());
        return new ReviewerDirectory(Map.of(
                "data-governance", List.of(carol, dan, alice),
                "security", List.of(carol, dan, new Reviewer("frank@example.com", "U0FRANK", null)),
                "sre", List.of(new Reviewer("erin@example.com", "U0ERIN", ERIN.aadObjectId()))));
    }

    /** {@code connectors.teams} pointing at the fakes. */
    static ChatSettings.Teams teams(FakeTeamsTokens tokens, FakeBotIssuer issuer, FakeBotConnector bot) {
        return new ChatSettings.Teams(tokens.appId(), FakeTeamsTokens.APP_PASSWORD, tokens.tenantId(), tokens.tokenUrl(), issuer.metadataUrl(),
                bot.serviceUrl());
    }

    static ChatSettings chat(ChatSettings.Teams teams) {
        return new ChatSettings(null, teams, null, Map.of("data-governance", List.of("teams:" + GOVERNANCE),
                ChatSettings.FALLBACK, List.of("teams:" + APPROVALS)), ChatSettings.Reminders.NONE, "https://countersign.example.com");
    }

    static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    /** The fakes and one node using them, Teams only, with {@code chat} changed by {@code adjust}. */
    static TeamsFixture start(Path dir, Clock clock, UnaryOperator<ChatSettings> adjust) throws Exception {
        return start(dir, clock, false, adjust);
    }

    /**
     * The fakes and one node using them, with {@code chat} changed by {@code adjust}; with
     * {@code withSlack} also a fake Slack ({@link SlackFixture}'s channels and users) configured as
     * {@code connectors.slack}.
     */
    static TeamsFixture start(Path dir, Clock clock, boolean withSlack, UnaryOperator<ChatSettings> adjust) throws Exception {
        Vertx vertx = Vertx.vertx();
        FakeTeamsTokens tokens = await(FakeTeamsTokens.start(vertx));
        FakeBotConnector bot = await(FakeBotConnector.start(vertx, tokens)).conversation(GOVERNANCE).conversation(APPROVALS)
                .user(ALICE.aadObjectId());
        FakeBotIssuer issuer = await(FakeBotIssuer.start(vertx));
        FakeSlack slack = null;
        ChatSettings chat = chat(teams(tokens, issuer, bot));
        if (withSlack) {
            slack = await(FakeSlack.start(vertx)).channel(SlackFixture.GOVERNANCE, "data-governance").channel(SlackFixture.APPROVALS, "approvals")
                    .user("U0CAROL", "carol@example.com").user("U0ALICE", "alice@example.com").user("U0FRANK", "frank@example.com")
                    .user("U0ERIN", "erin@example.com");
            chat = new ChatSettings(SlackFixture.chat(slack.baseUrl()).slack(), chat.teams(), null, chat.routes(), chat.reminders(),
                    chat.publicUrl());
        }
        ServerConfig config = TestNode.config(dir, Path.of("src/test/resources/bundles/approvals"), List.of(
                        client("gateway", Scope.DECIDE, null), client("carol", Scope.REVIEW, "carol@example.com"),
                        client("erin", Scope.REVIEW, "erin@example.com"), client("admin", Scope.ADMIN, null)), List.of())
                .withReviewers(directory())
                .withChat(adjust.apply(chat));
        // The test may move the node's clock; the cluster's stays the system's.
        config = config.withCluster(config.cluster().withMaxClockSkew(Duration.ofDays(1)));
        return new TeamsFixture(vertx, tokens, bot, issuer, slack, TestNode.start(config, clock));
    }

    static <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return SlackFixture.await(f);
    }

    static void eventually(String what, int seconds, java.util.function.Supplier<Boolean> condition) throws InterruptedException {
        SlackFixture.eventually(what, seconds, condition);
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

    String status(String id) {
        try {
            return approval(id).getString("status");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    JsonArray votes(String id) {
        try {
            return approval(id).getJsonArray("votes");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The delivery of approval {@code id} to {@code destination} ({@code teams:…}) as the API shows it, or null. */
    JsonObject delivery(String id, String destination) {
        try {
            return approval(id).getJsonArray("deliveries").stream().map(JsonObject.class::cast)
                    .filter(d -> d.getString("destination").equals(destination)).findFirst().orElse(null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The card of approval {@code id} in {@code conversation}, once it is there (exactly one) and the
     * approval records it as posted there, so that clicks on it are taken as coming from where it was posted.
     */
    StoredActivity card(String conversation, String id) throws Exception {
        return card("teams:" + conversation, conversation, id);
    }

    /** As {@link #card(String, String)}, for the destination {@code destination} whose card is in {@code conversation} (a thread it started). */
    StoredActivity card(String destination, String conversation, String id) throws Exception {
        eventually("the card of " + id + " in " + conversation, 15, () -> cards(conversation, id).size() == 1);
        StoredActivity card = cards(conversation, id).get(0);
        eventually("the card of " + id + " recorded as posted", 15, () -> {
            JsonObject d = delivery(id, destination);
            return d != null && d.getJsonObject("posted") != null && card.id().equals(d.getJsonObject("posted").getString("message"));
        });
        return card;
    }

    /** The approval cards of {@code id} in {@code conversation}, as they now stand (thread replies are not cards). */
    List<StoredActivity> cards(String conversation, String id) {
        return bot.activities(conversation).stream().filter(a -> a.card() != null && a.card().toString().contains(id)).toList();
    }

    /** The replies in {@code conversation} to the card activity {@code cardId}. */
    List<StoredActivity> replies(String conversation, String cardId) {
        return bot.activities(conversation).stream().filter(a -> cardId.equals(a.replyToId())).toList();
    }

    /** The activity sender acting on {@code card}, from the conversation it was posted to. */
    TeamsActivitySender on(StoredActivity card) {
        return sender.onCard(card.conversation(), card.id());
    }

    ActivityRequest.Answer send(ActivityRequest request) throws Exception {
        return await(request.send(vertx, messages));
    }

    /** Every audit record of this node with {@code "type":"connector"} and {@code event}, oldest first. */
    List<JsonObject> connectorAudit(String event) {
        try {
            node.server.audit().flush();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        List<JsonObject> found = new ArrayList<>();
        Path audit = node.data.resolve("audit");
        if (!Files.isDirectory(audit)) {
            return found;
        }
        try (var files = Files.list(audit)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.contains("\"connector\"")) {
                        JsonObject record = new JsonObject(line);
                        if ("connector".equals(record.getString("type")) && event.equals(record.getString("event"))) {
                            found.add(record);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** The verbs of the buttons {@code card} shows (empty for none). */
    static List<String> buttons(JsonNode card) {
        List<String> verbs = new ArrayList<>();
        card.path("actions").forEach(a -> verbs.add(a.path("verb").asText(a.path("type").asText())));
        return verbs;
    }

    /** {@code card} as shown: no buttons, no reason input. */
    static void assertNoButtons(JsonNode card, String what) {
        assertTrue(card != null && card.isObject(), what + ": not a card: " + card);
        assertEquals(List.of(), buttons(card), what + ": " + card);
        assertTrue(!card.toString().contains("Input.Text"), what + ": a reason input without buttons: " + card);
    }

    @Override
    public void close() throws Exception {
        node.close();
        await(bot.close());
        await(tokens.close());
        await(issuer.close());
        if (slack != null) {
            await(slack.close());
        }
        await(vertx.close());
    }
}
