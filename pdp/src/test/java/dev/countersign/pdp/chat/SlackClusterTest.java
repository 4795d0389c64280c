package dev.countersign.pdp.chat;

import dev.countersign.connectors.MovableClock;
import static dev.countersign.pdp.chat.SlackFixture.APPROVALS;
import static dev.countersign.pdp.chat.SlackFixture.GOVERNANCE;
import static dev.countersign.pdp.chat.SlackFixture.TOKENS;
import static dev.countersign.pdp.chat.SlackFixture.await;
import static dev.countersign.pdp.chat.SlackFixture.eventually;
import static dev.countersign.pdp.chat.SlackFixture.export;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.approval.ReviewerVote;
import dev.countersign.cluster.approval.VoteResult;
import dev.countersign.connectors.slack.FakeSlack;
import dev.countersign.connectors.slack.PostedMessage;
import dev.countersign.connectors.slack.SlackClickDriver;
import dev.countersign.connectors.slack.SlackFailure;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.events.EventDispatcher;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event stream where it breaks, on three real nodes sharing one fake Slack and one movable
 * clock: the node holding an approval killed while Slack holds its post's answer (the card is
 * posted once, the survivor finds it and keeps it current), a click arriving at a node other than
 * the one that posted the card, and a transition run twice recorded and audited once.
 */
class SlackClusterTest {
    static final String CLUSTER = "slack-cluster-" + UUID.randomUUID();
    static final ClusterSecret SECRET = ClusterSecret.generate();
    static final MovableClock CLOCK = new MovableClock();

    @TempDir
    static Path dir;
    static Vertx vertx;
    static FakeSlack slack;
    static SlackClickDriver driver;
    static final TestNode[] nodes = new TestNode[3];
    static final List<String> addresses = new ArrayList<>();
    static final List<Path> dataDirs = new ArrayList<>();
    static int next;

    @BeforeAll
    static void startCluster() throws Exception {
        vertx = Vertx.vertx();
        slack = await(FakeSlack.start(vertx)).channel(GOVERNANCE, "data-governance").channel(APPROVALS, "approvals")
                .user("U0CAROL", "carol@example.com").user("U0ALICE", "alice@example.com").user("U0FRANK", "frank@example.com");
        driver = new SlackClickDriver(SlackFixture.SIGNING_SECRET, slack);
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
        await(slack.close());
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

    static void start(int i) throws Exception {
        Path home = dir.resolve("node-" + i + "-" + next);
        String address = addresses.get(next++);
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        ServerConfig config = TestNode.config(home, Path.of("src/test/resources/bundles/approvals"), List.of(
                        SlackFixture.client("gateway", Scope.DECIDE, null), SlackFixture.client("carol", Scope.REVIEW, "carol@example.com"),
                        SlackFixture.client("admin", Scope.ADMIN, null)), List.of())
                .withReviewers(SlackFixture.directory())
                .withNode("node-" + i)
                .withCluster(new ClusterSettings(CLUSTER, "127.0.0.1", port, addresses, null, 2).withSecret(SECRET)
                        .withMaxClockSkew(Duration.ofDays(1)))   // the test moves every node's clock, not the cluster's
                .withChat(SlackFixture.chat(slack.baseUrl()));
        nodes[i] = TestNode.start(config, CLOCK);
        dataDirs.add(config.dataDir());
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
        return r.bodyAsJsonObject().getJsonObject("approval").getString("id");
    }

    static JsonObject approval(TestNode node, String id) throws Exception {
        return node.get("/v1/approvals/" + id, TOKENS.get("admin")).bodyAsJsonObject();
    }

    static List<PostedMessage> cards(String channel, String id) {
        return slack.messages(channel).stream().filter(m -> String.valueOf(m.blocks()).contains(id)).toList();
    }

    static String roleGrant(String grantee) {
        return "{\"actor\": {\"id\": \"dan@example.com\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"" + grantee + "\"}";
    }

    @Test
    void theNodeHoldingAnApprovalKilledWhileSlackHoldsItsPostsAnswerLeavesOneCardThatASurvivorKeepsCurrent() throws Exception {
        slack.fail("chat.postMessage", APPROVALS, new SlackFailure.HeldAnswer(), 1000);   // every card post here: taken, never answered
        String id = null;
        int holder = -1;
        for (int attempt = 0; attempt < 30 && id == null; attempt++) {
            int asked = attempt % 3;
            String candidate = hold(nodes[asked], roleGrant("grantee-" + UUID.randomUUID()));
            if (holderOf(candidate) == asked) {
                id = candidate;
                holder = asked;
            }
        }
        assertTrue(id != null, "no approval was held by the node that answered it");
        String held = id;
        eventually("Slack took the card's post", 15, () -> cards(APPROVALS, held).size() == 1);
        nodes[holder].server.crash();   // answered the caller, posted the card, never learned its ts
        int survivor = (holder + 1) % 3;
        eventually("the survivors see the member gone", 30, () -> nodes[survivor].server.hazelcast().getCluster().getMembers().size() == 2);

        CLOCK.advance(EventDispatcher.LEASE.plusSeconds(1));   // the dead claim lapses
        eventually("a survivor found the card and recorded it", 30, () -> {
            try {
                JsonObject d = approval(nodes[survivor], held).getJsonArray("deliveries").getJsonObject(0);
                return d.containsKey("posted");
            } catch (Exception e) {
                return false;
            }
        });
        PostedMessage card = cards(APPROVALS, held).get(0);
        assertEquals(1, cards(APPROVALS, held).size(), "one card, never posted again");
        JsonObject delivery = approval(nodes[survivor], held).getJsonArray("deliveries").getJsonObject(0);
        assertEquals(card.ts(), delivery.getJsonObject("posted").getString("message"));

        HttpResponse<Buffer> voted = nodes[survivor].post("/v1/approvals/" + held + "/votes", "{\"vote\": \"deny\", \"comment\": \"no\"}",
                TOKENS.get("carol"));
        assertEquals(200, voted.statusCode(), voted.bodyAsString());
        eventually("the card shows the deny, buttons gone", 15, () -> slack.message(APPROVALS, card.ts()).button("approve") == null);
        assertEquals(1, cards(APPROVALS, held).size());
        assertEquals(List.of(), slack.violations());
    }

    @Test
    void aClickOnAnotherNodeThanThePostersCountsAndUpdatesTheCard() throws Exception {
        String id = hold(nodes[0], export("click elsewhere " + UUID.randomUUID()));
        eventually("the card", 15, () -> cards(GOVERNANCE, id).size() == 1);
        PostedMessage card = cards(GOVERNANCE, id).get(0);
        int elsewhere = (holderOf(id) + 1) % 3;
        String url = "http://127.0.0.1:" + nodes[elsewhere].server.port() + "/connectors/slack/interactions";
        var click = driver.click(card, "approve", "U0CAROL");
        assertEquals(200, await(click.send(vertx, url)).status());
        eventually("approved", 15, () -> {
            try {
                return "approved".equals(approval(nodes[2], id).getString("status"));
            } catch (Exception e) {
                return false;
            }
        });
        eventually("the card updated", 15, () -> slack.message(GOVERNANCE, card.ts()).button("approve") == null);
        String replayTo = "http://127.0.0.1:" + nodes[(elsewhere + 1) % 3].server.port() + "/connectors/slack/interactions";
        assertEquals(401, await(click.send(vertx, replayTo)).status(), "the same signed click replayed to a third node");
    }

    @Test
    void aTransitionRunTwiceIsOneEventAndOneAuditRecord() throws Exception {
        String id = hold(nodes[1], export("retried " + UUID.randomUUID()));
        HazelcastApprovalStore store = new HazelcastApprovalStore(nodes[2].server.hazelcast());
        ReviewerVote vote = new ReviewerVote("carol@example.com", Set.of("data-governance"), Choice.APPROVE, "once",
                CLOCK.instant(), "node-2", "api");
        VoteResult first = store.vote(id, vote).toCompletableFuture().get(30, TimeUnit.SECONDS);
        VoteResult again = store.vote(id, vote).toCompletableFuture().get(30, TimeUnit.SECONDS);   // as Hazelcast retries it
        assertEquals(first.outcome(), again.outcome());
        eventually("the outcome audited", 15, () -> count(id, "approved") == 1);
        Thread.sleep(1000);   // several sweeps: a second record would show by now
        assertEquals(1, count(id, "vote"), "the vote audited once");
        assertEquals(1, count(id, "approved"), "the outcome audited once");
    }

    /** Audit records of {@code event} for approval {@code id} across every node's log. */
    static long count(String id, String event) {
        long n = 0;
        for (TestNode node : nodes) {
            try {
                node.server.audit().flush();
            } catch (Exception e) {
                // a crashed node's log is read as it was left
            }
        }
        for (Path data : dataDirs) {
            Path audit = data.resolve("audit");
            if (!Files.isDirectory(audit)) {
                continue;
            }
            try (var files = Files.list(audit)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                    for (String line : Files.readAllLines(f)) {
                        if (line.contains("\"event\":\"" + event + "\",\"event_id\":\"" + id + ":")) {
                            n++;
                        }
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return n;
    }
}
