package dev.countersign.pdp.chat;

import static dev.countersign.pdp.chat.SlackFixture.export;
import static dev.countersign.pdp.chat.TeamsFixture.APPROVALS;
import static dev.countersign.pdp.chat.TeamsFixture.CAROL;
import static dev.countersign.pdp.chat.TeamsFixture.DAN;
import static dev.countersign.pdp.chat.TeamsFixture.GOVERNANCE;
import static dev.countersign.pdp.chat.TeamsFixture.TOKENS;
import static dev.countersign.pdp.chat.TeamsFixture.assertNoButtons;
import static dev.countersign.pdp.chat.TeamsFixture.await;
import static dev.countersign.pdp.chat.TeamsFixture.buttons;
import static dev.countersign.pdp.chat.TeamsFixture.eventually;
import static dev.countersign.pdp.chat.TeamsReviewTest.answeredCard;
import static dev.countersign.pdp.chat.TeamsReviewTest.shown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.connectors.teams.ActivityRequest;
import dev.countersign.connectors.teams.BotConnectorFailure;
import dev.countersign.connectors.teams.BotConnectorRequest;
import dev.countersign.connectors.teams.BotConnectorRequest.Operation;
import dev.countersign.connectors.teams.FakeBotConnector;
import dev.countersign.connectors.teams.FakeBotIssuer;
import dev.countersign.connectors.teams.FakeTeamsTokens;
import dev.countersign.connectors.teams.StoredActivity;
import dev.countersign.connectors.teams.TeamsActivitySender;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reviewing in Microsoft Teams on three real nodes clustered with a shared secret, one fake Bot
 * Connector, token endpoint and Bot Framework issuer: a click at a node other than the one holding
 * the approval counts and the holder updates the card; a refresh at a third node shows the card as
 * it stands and records nothing; the node holding an approval killed while its card's post hangs,
 * after which a survivor posts the card and keeps it current; killed after Teams took its card but
 * before the answer came, after which there are two cards (the Bot Connector cannot be asked for
 * the first): the survivor's is kept current, the other stays as posted until a click names it,
 * which counts nothing once decided and shows it decided; and one click delivered to two nodes at
 * once recorded as one vote.
 */
class TeamsClusterTest {
    static final String CLUSTER = "teams-cluster-" + UUID.randomUUID();
    static final ClusterSecret SECRET = ClusterSecret.generate();

    @TempDir
    static Path dir;
    static Vertx vertx;
    static FakeTeamsTokens tokens;
    static FakeBotConnector bot;
    static FakeBotIssuer issuer;
    static TeamsActivitySender sender;
    static final TestNode[] nodes = new TestNode[3];
    static final List<String> addresses = new ArrayList<>();
    static int next;

    @BeforeAll
    static void startCluster() throws Exception {
        vertx = Vertx.vertx();
        tokens = await(FakeTeamsTokens.start(vertx));
        bot = await(FakeBotConnector.start(vertx, tokens)).conversation(GOVERNANCE).conversation(APPROVALS)
                .user(TeamsFixture.ALICE.aadObjectId());
        issuer = await(FakeBotIssuer.start(vertx));
        sender = new TeamsActivitySender(issuer, tokens.appId(), tokens.tenantId(), bot.serviceUrl());
        for (int i = 0; i < 6; i++) {
            addresses.add("127.0.0.1:" + TestNode.freePort());
        }
        for (int i = 0; i < 3; i++) {
            start(i);
        }
        awaitCluster();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (TestNode n : nodes) {
            if (n != null) {
                try {
                    n.close();
                } catch (Exception e) {
                    // a crashed node is gone already
                }
            }
        }
        await(bot.close());
        await(tokens.close());
        await(issuer.close());
        await(vertx.close());
    }

    @BeforeEach
    void threeNodes() throws Exception {
        for (int i = 0; i < 3; i++) {
            if (!nodes[i].server.hazelcast().getLifecycleService().isRunning()) {
                try {
                    nodes[i].close();
                } catch (Exception e) {
                    // crashed
                }
                start(i);
            }
        }
        awaitCluster();
    }

    @AfterEach
    void nothingAMicrosoftServiceWouldRefuse() {
        assertEquals(List.of(), bot.violations());
        assertEquals(List.of(), tokens.violations());
    }

    static void start(int i) throws Exception {
        Path home = dir.resolve("node-" + i + "-" + next);
        String address = addresses.get(next++);
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        ServerConfig config = TestNode.config(home, Path.of("src/test/resources/bundles/approvals"), List.of(
                        TeamsFixture.client("gateway", Scope.DECIDE, null), TeamsFixture.client("carol", Scope.REVIEW, "carol@example.com"),
                        TeamsFixture.client("admin", Scope.ADMIN, null)), List.of())
                .withReviewers(TeamsFixture.directory())
                .withNode("node-" + i)
                .withCluster(new ClusterSettings(CLUSTER, "127.0.0.1", port, addresses, null, 2).withSecret(SECRET))
                .withChat(TeamsFixture.chat(TeamsFixture.teams(tokens, issuer, bot)));
        nodes[i] = TestNode.start(config);
    }

    static void awaitCluster() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            boolean ok = true;
            for (TestNode n : nodes) {
                HazelcastInstance hz = n.server.hazelcast();
                ok &= hz.getLifecycleService().isRunning() && hz.getCluster().getMembers().size() == 3 && hz.getPartitionService().isClusterSafe();
            }
            if (ok) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the three nodes did not form a safe cluster");
            Thread.sleep(50);
        }
    }

    /** The node whose member holds approval {@code id}. */
    static int holderOf(String id) {
        var owner = nodes[0].server.hazelcast().getPartitionService().getPartition(id).getOwner();
        for (int i = 0; i < 3; i++) {
            if (nodes[i].server.hazelcast().getCluster().getLocalMember().getUuid().equals(owner.getUuid())) {
                return i;
            }
        }
        throw new AssertionError("no node holds " + id);
    }

    static String hold(TestNode node, String body) throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/decisions", body, TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("needs_approval", r.bodyAsJsonObject().getString("verdict"), r.bodyAsString());
        return r.bodyAsJsonObject().getJsonObject("approval").getString("id");
    }

    /** Approval {@code id} as node {@code i} shows it. */
    static JsonObject approval(int i, String id) {
        try {
            HttpResponse<Buffer> r = nodes[i].get("/v1/approvals/" + id, TOKENS.get("admin"));
            assertEquals(200, r.statusCode(), r.bodyAsString());
            return r.bodyAsJsonObject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The delivery of approval {@code id} to {@code conversation} as node {@code i} shows it, or null. */
    static JsonObject delivery(int i, String id, String conversation) {
        return approval(i, id).getJsonArray("deliveries").stream().map(JsonObject.class::cast)
                .filter(d -> d.getString("destination").equals("teams:" + conversation)).findFirst().orElse(null);
    }

    /** The approval cards of {@code id} the fake holds in {@code conversation}, as they now stand. */
    static List<StoredActivity> cards(String conversation, String id) {
        return bot.activities(conversation).stream().filter(a -> a.card() != null && a.card().toString().contains(id)).toList();
    }

    /** The one card of {@code id} in {@code conversation}, once node {@code i} shows it recorded as posted. */
    static StoredActivity card(int i, String conversation, String id) throws Exception {
        eventually("the card of " + id, 15, () -> cards(conversation, id).size() == 1);
        StoredActivity card = cards(conversation, id).get(0);
        eventually("the card of " + id + " recorded as posted", 15, () -> {
            JsonObject d = delivery(i, id, conversation);
            return d != null && d.getJsonObject("posted") != null && card.id().equals(d.getJsonObject("posted").getString("message"));
        });
        return card;
    }

    static String messages(int i) {
        return "http://127.0.0.1:" + nodes[i].server.port() + "/connectors/teams/messages";
    }

    static ActivityRequest.Answer send(ActivityRequest request, int i) throws Exception {
        return await(request.send(vertx, messages(i)));
    }

    /** The card requests (posts and updates) the fake received about approval {@code id}. */
    static List<BotConnectorRequest> calls(Operation operation, String conversation, String id) {
        return bot.requests(operation).stream()
                .filter(r -> conversation.equals(r.conversation()) && r.json() != null && r.json().toString().contains(id)).toList();
    }

    /** The thread replies under {@code card} whose text holds {@code text}. */
    static long replies(StoredActivity card, String text) {
        return bot.activities(card.conversation()).stream()
                .filter(r -> card.id().equals(r.replyToId()) && r.text() != null && r.text().contains(text)).count();
    }

    static String role(String grantee) {
        return "{\"actor\": {\"id\": \"ops-bot@example.com\", \"type\": \"agent\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"" + grantee + "\"}";
    }

    @Test
    void aClickAtAnotherNodeCountsTheHolderUpdatesTheCardAndARefreshAtAThirdRecordsNothing() throws Exception {
        String id = hold(nodes[0], export("teams elsewhere " + UUID.randomUUID()));
        int holder = holderOf(id);
        int clicked = (holder + 1) % 3;
        int refreshed = (holder + 2) % 3;
        StoredActivity card = card(holder, GOVERNANCE, id);
        TeamsActivitySender on = sender.onCard(card.conversation(), card.id());

        JsonNode before = answeredCard(send(on.refresh(id, CAROL), refreshed));
        assertEquals(List.of("approve", "deny"), buttons(before), "carol may still vote: " + before);
        assertEquals("pending", approval(holder, id).getString("status"));

        JsonNode answered = answeredCard(send(on.execute("approve", id, null, CAROL), clicked));
        assertNoButtons(answered, "the clicker's card once approved");
        assertTrue(shown(answered).contains("Approved"), shown(answered));
        for (int i = 0; i < 3; i++) {
            JsonObject a = approval(i, id);
            assertEquals("approved", a.getString("status"), "node " + i);
            assertEquals(1, a.getJsonArray("votes").size(), "node " + i);
            assertEquals("teams", a.getJsonArray("votes").getJsonObject(0).getString("channel"));
            assertEquals("carol@example.com", a.getJsonArray("votes").getJsonObject(0).getString("reviewer"));
        }

        eventually("the posted card updated without buttons", 15, () -> bot.activity(GOVERNANCE, card.id()).verbs().isEmpty());
        StoredActivity updated = bot.activity(GOVERNANCE, card.id());
        assertTrue(updated.version() >= 1, "updated in place");
        assertNoButtons(updated.card(), "the posted card");
        assertTrue(shown(updated).contains("Approved by carol@example.com"), shown(updated));
        List<BotConnectorRequest> puts = bot.requests(Operation.UPDATE).stream()
                .filter(r -> card.id().equals(r.activityId()) && GOVERNANCE.equals(r.conversation()) && r.status() == 200).toList();
        assertTrue(!puts.isEmpty() && puts.stream().allMatch(r -> "PUT".equals(r.httpMethod())), "PUTs of the card's activity: " + puts);
        // Each node fetches its own Bot Framework token: the updates carry the poster's, so the holder made them, not the clicked node.
        String posterToken = calls(Operation.SEND, GOVERNANCE, id).get(0).token();
        assertTrue(puts.stream().allMatch(r -> posterToken.equals(r.token())), "the node that posted the card updated it");
        assertEquals(1, cards(GOVERNANCE, id).size(), "one card");

        JsonNode after = answeredCard(send(on.refresh(id, CAROL), refreshed));
        assertNoButtons(after, "the refreshed card once approved");
        assertTrue(shown(after).contains("Approved by carol@example.com"), shown(after));
        Thread.sleep(300);
        assertEquals(1, approval(refreshed, id).getJsonArray("votes").size(), "a refresh is never a vote");
    }

    @Test
    void theHolderKilledWhileItsCardsPostHangsLeavesASurvivorPostingTheCardAndKeepingItCurrent() throws Exception {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        bot.fail(Operation.SEND, GOVERNANCE, marker, BotConnectorFailure.stall(), 1);   // taken, never answered, never stored
        String id = hold(nodes[1], export(marker));
        int holder = holderOf(id);
        eventually("the holder's post reached the Bot Connector", 15, () -> calls(Operation.SEND, GOVERNANCE, marker).size() == 1);
        nodes[holder].server.crash();
        int survivor = (holder + 1) % 3;
        eventually("the survivors see the member gone", 30, () -> nodes[survivor].server.hazelcast().getCluster().getMembers().size() == 2);

        eventually("a survivor posted the card and recorded it", 45, () -> {
            JsonObject d = delivery(survivor, id, GOVERNANCE);
            return d != null && "delivered".equals(d.getString("state")) && d.getJsonObject("posted") != null;
        });
        JsonObject posted = delivery(survivor, id, GOVERNANCE).getJsonObject("posted");
        List<StoredActivity> held = cards(GOVERNANCE, id);
        // The hung post was never served, so this is the only card; one the dead node's post had left would show here.
        assertEquals(1, held.size(), "one card: " + held);
        StoredActivity card = held.get(0);
        assertEquals(card.id(), posted.getString("message"));
        assertEquals(GOVERNANCE, posted.getString("conversation"));
        assertEquals(List.of("approve", "deny"), card.verbs());
        List<BotConnectorRequest> posts = calls(Operation.SEND, GOVERNANCE, marker);
        assertEquals(2, posts.size(), "the hung post and the survivor's: " + posts);
        assertEquals(0, posts.get(0).status(), "the first post was never answered");
        assertEquals(201, posts.get(1).status());
        assertNotEquals(posts.get(0).token(), posts.get(1).token(), "another node posted it");

        int other = (holder + 2) % 3;
        JsonNode answered = answeredCard(send(sender.onCard(card.conversation(), card.id()).execute("approve", id, null, CAROL), other));
        assertNoButtons(answered, "the clicker's card once approved");
        assertEquals("approved", approval(survivor, id).getString("status"));
        assertEquals(1, approval(other, id).getJsonArray("votes").size());
        eventually("every card of the approval without buttons", 15, () -> cards(GOVERNANCE, id).stream().allMatch(c -> c.verbs().isEmpty()));
        for (StoredActivity c : cards(GOVERNANCE, id)) {
            assertNoButtons(c.card(), "card " + c.id());
            assertTrue(shown(c).contains("Approved by carol@example.com"), shown(c));
        }
    }

    @Test
    void theHolderKilledAfterTeamsTookItsCardLeavesTwoCardsTheSurvivorsKeptCurrentAndTheOtherShownWhenClicked() throws Exception {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        bot.fail(Operation.SEND, GOVERNANCE, marker, BotConnectorFailure.heldAnswer(), 1);   // stored in Teams, its id never answered
        String id = hold(nodes[0], export(marker));
        int holder = holderOf(id);
        eventually("Teams took the holder's card", 15, () -> cards(GOVERNANCE, id).size() == 1);
        StoredActivity orphan = cards(GOVERNANCE, id).get(0);
        nodes[holder].server.crash();
        int survivor = (holder + 1) % 3;
        eventually("the survivors see the member gone", 30, () -> nodes[survivor].server.hazelcast().getCluster().getMembers().size() == 2);

        eventually("a survivor posted the card and recorded it", 45, () -> {
            JsonObject d = delivery(survivor, id, GOVERNANCE);
            return d != null && "delivered".equals(d.getString("state")) && d.getJsonObject("posted") != null;
        });
        String recorded = delivery(survivor, id, GOVERNANCE).getJsonObject("posted").getString("message");
        List<StoredActivity> held = cards(GOVERNANCE, id);
        assertEquals(2, held.size(), "the Bot Connector cannot be asked for the dead node's card, so the survivor posted another: " + held);
        assertNotEquals(orphan.id(), recorded, "the dead node never learned its card's id");
        StoredActivity card = bot.activity(GOVERNANCE, recorded);
        assertEquals(List.of("approve", "deny"), card.verbs());

        int other = (holder + 2) % 3;
        answeredCard(send(sender.onCard(card.conversation(), card.id()).execute("approve", id, null, CAROL), other));
        assertEquals("approved", approval(survivor, id).getString("status"));
        eventually("the recorded card updated without buttons", 15, () -> bot.activity(GOVERNANCE, recorded).verbs().isEmpty());
        assertNoButtons(bot.activity(GOVERNANCE, recorded).card(), "the recorded card");

        // No node recorded the dead node's card: a click on it still names the approval, counts nothing once decided,
        // and shows the card as it stands there too.
        JsonNode late = answeredCard(send(sender.onCard(orphan.conversation(), orphan.id()).execute("deny", id, "too late", DAN), survivor));
        assertNoButtons(late, "the answer to a click on the other card");
        assertTrue(shown(late).contains("Approved by carol@example.com"), shown(late));
        JsonObject decided = approval(survivor, id);
        assertEquals("approved", decided.getString("status"));
        assertEquals(1, decided.getJsonArray("votes").size(), "the late click counts nothing");
        eventually("the unrecorded card shown decided once a click named it", 15,
                () -> bot.activity(GOVERNANCE, orphan.id()).verbs().isEmpty());
        assertNoButtons(bot.activity(GOVERNANCE, orphan.id()).card(), "the unrecorded card");
        assertEquals(1, bot.activity(GOVERNANCE, orphan.id()).version(), "updated once, by the click that named it");
    }

    @Test
    void oneClickDeliveredToTwoNodesAtOnceIsOneVote() throws Exception {
        String id = hold(nodes[2], role("g-" + UUID.randomUUID()));
        int holder = holderOf(id);
        StoredActivity card = card(holder, APPROVALS, id);
        TeamsActivitySender on = sender.onCard(card.conversation(), card.id());
        ActivityRequest click = on.execute("approve", id, null, CAROL);
        int first = (holder + 1) % 3;
        int second = (holder + 2) % 3;
        Future<ActivityRequest.Answer> a = click.send(vertx, messages(first));
        Future<ActivityRequest.Answer> b = click.send(vertx, messages(second));   // the very same activity and token
        for (ActivityRequest.Answer answer : List.of(await(a), await(b))) {
            JsonNode shownCard = answeredCard(answer);
            assertNoButtons(shownCard, "carol's card after her vote");
            assertTrue(shown(shownCard).contains("You approved this."), shown(shownCard));
        }
        for (int i = 0; i < 3; i++) {
            JsonObject now = approval(i, id);
            assertEquals(1, now.getJsonArray("votes").size(), "one vote on node " + i + ": " + now.getJsonArray("votes"));
            assertEquals("pending", now.getString("status"), "security needs two");
        }
        JsonNode replayed = answeredCard(send(click, holder));
        assertTrue(shown(replayed).contains("You approved this."), shown(replayed));
        assertEquals(1, approval(holder, id).getJsonArray("votes").size(), "a third delivery, to the holder, counts nothing either");

        answeredCard(send(on.execute("approve", id, null, DAN), first));
        JsonObject decided = approval(second, id);
        assertEquals("approved", decided.getString("status"));
        assertEquals(List.of("carol@example.com", "dan@example.com"), decided.getJsonArray("votes").stream()
                .map(v -> ((JsonObject) v).getString("reviewer")).sorted().toList());
        eventually("the card updated without buttons", 15, () -> bot.activity(APPROVALS, card.id()).verbs().isEmpty());
        eventually("a thread reply for dan's vote", 15, () -> replies(card, "dan@example.com approved") == 1);
        assertEquals(1, replies(card, "carol@example.com approved"), "one thread reply for carol's one vote");
    }
}
