package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.ReviewerDirectory;
import dev.countersign.pdp.config.ReviewerDirectory.Reviewer;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes in one JVM, one cluster: each with its own Hazelcast member, HTTP port, data
 * directory and copy of the approvals bundle. An approval created on one node is voted on, waited on,
 * decided, redeemed and expired on the others, also after the node that created it is killed; votes
 * and redemptions racing on two nodes have exactly one outcome, audited once across all nodes.
 * Also prints the latency of holding an action and of a vote waking a waiter on another node.
 */
class ClusterTest {
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789",
            "dan", "dan-token-0123456789", "erin", "erin-token-0123456789", "alice", "alice-token-0123456789",
            "gina", "gina-token-0123456789");
    static final ReviewerDirectory REVIEWERS = new ReviewerDirectory(Map.of(
            "data-governance", List.of(new Reviewer("carol@example.com", null, null), new Reviewer("alice@example.com", null, null),
                    new Reviewer("gina@example.com", null, null)),
            "security", List.of(new Reviewer("carol@example.com", null, null), new Reviewer("dan@example.com", null, null),
                    new Reviewer("gina@example.com", null, null)),
            "sre", List.of(new Reviewer("erin@example.com", null, null))));
    static final String CLUSTER = "cluster-test-" + UUID.randomUUID();
    static final String[] NAMES = {"node-a", "node-b", "node-c"};

    @TempDir
    static Path dir;
    static final TestNode[] nodes = new TestNode[3];
    /** Every address a node may have: three, and spares for nodes restarted after a crash (all listed to every node). */
    static final List<String> addresses = new ArrayList<>();
    static final int[] current = new int[3];
    static int nextAddress;
    static final ClusterSecret SECRET = ClusterSecret.generate();
    static final boolean[] crashed = new boolean[3];
    /** Every data directory any node of this class used, crashed ones included: their audit logs count too. */
    static final List<Path> dataDirs = new ArrayList<>();
    static int generation;

    static ClientConfig client(String name, Scope scope, String reviewer) {
        return new ClientConfig(name, Authenticator.sha256Hex(TOKENS.get(name)), EnumSet.of(scope), reviewer);
    }

    @BeforeAll
    static void startCluster() throws Exception {
        for (int i = 0; i < 9; i++) {
            addresses.add("127.0.0.1:" + TestNode.freePort());
        }
        for (int i = 0; i < 3; i++) {
            current[i] = nextAddress++;
        }
        long started = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            start(i);
        }
        awaitCluster();
        System.out.printf("ClusterTest: three nodes started and safe in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @AfterAll
    static void stopCluster() {
        for (int i = 0; i < 3; i++) {
            close(i);
        }
    }

    /** Every test starts with three running nodes, every partition backed up; a crashed node is replaced. */
    @BeforeEach
    void threeNodes() throws Exception {
        for (int i = 0; i < 3; i++) {
            if (crashed[i]) {
                close(i);
                current[i] = nextAddress++;
                start(i);
            }
        }
        awaitCluster();
    }

    static void start(int i) throws Exception {
        Path home = dir.resolve(NAMES[i] + "-" + generation++);
        String address = addresses.get(current[i]);
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        ServerConfig config = TestNode.config(home, Path.of("src/test/resources/bundles/approvals"), List.of(
                        client("gateway", Scope.DECIDE, null), client("carol", Scope.REVIEW, "carol@example.com"),
                        client("dan", Scope.REVIEW, "dan@example.com"), client("erin", Scope.REVIEW, "erin@example.com"),
                        client("alice", Scope.REVIEW, "alice@example.com"), client("gina", Scope.REVIEW, "gina@example.com")), List.of())
                .withReviewers(REVIEWERS)
                .withNode(NAMES[i])
                .withCluster(new ClusterSettings(CLUSTER, "127.0.0.1", port, addresses, null, 2).withSecret(SECRET))
                .withApprovals(new ServerConfig.Approvals(null, Duration.ofSeconds(30), Duration.ofMillis(200)));
        nodes[i] = TestNode.start(config);
        crashed[i] = false;
        dataDirs.add(config.dataDir());
    }

    static void close(int i) {
        if (nodes[i] == null) {
            return;
        }
        try {
            nodes[i].close();
        } catch (Exception e) {
            // A crashed node's server is already gone; its client is closed first either way.
        }
        nodes[i] = null;
    }

    /** Kills node {@code i} as a crash would: its member vanishes without leaving the cluster. */
    static void crash(int i) {
        nodes[i].server.crash();
        crashed[i] = true;
    }

    static void awaitCluster() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            boolean ok = true;
            for (TestNode n : nodes) {
                var hz = n.server.hazelcast();
                ok &= hz.getLifecycleService().isRunning() && hz.getCluster().getMembers().size() == 3
                        && hz.getPartitionService().isClusterSafe();
            }
            if (ok) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "the three nodes did not form a safe cluster");
            Thread.sleep(50);
        }
        for (TestNode n : nodes) {
            JsonObject ready = n.get("/health/ready", null).bodyAsJsonObject();
            while (!"available".equals(ready.getJsonObject("checks").getJsonObject("cluster").getString("approvals"))) {
                assertTrue(System.nanoTime() < deadline, "approvals did not become available: " + ready.encode());
                Thread.sleep(50);
                ready = n.get("/health/ready", null).bodyAsJsonObject();
            }
            assertEquals("ready", ready.getString("status"), ready.encode());
            assertEquals(3, ready.getJsonObject("checks").getJsonObject("cluster").getInteger("members"), ready.encode());
        }
    }

    // ---- the API, on any node ----

    static String export(String intent) {
        return "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\", \"on_behalf_of\": \"alice@example.com\"},"
                + " \"action\": {\"name\": \"data.export\", \"intent\": \"" + intent + "\"}, \"resource\": {\"environment\": \"production\"}}";
    }

    static String roleGrant(String actor, String grantee) {
        return "{\"actor\": {\"id\": \"" + actor + "\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"" + grantee + "\"}";
    }

    static String quickHold(String tag) {
        return "{\"actor\": {\"id\": \"bot\", \"type\": \"agent\"}, \"action\": {\"name\": \"quick.hold\", \"intent\": \"" + tag + "\"}}";
    }

    static String withApproval(String body, String approvalId) {
        return body.substring(0, body.length() - 1) + ", \"approval_id\": \"" + approvalId + "\"}";
    }

    static JsonObject decide(TestNode node, String body) throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/decisions", body, TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    /** Holds {@code body} on {@code node} and answers the approval id. */
    static String hold(TestNode node, String body) throws Exception {
        JsonObject held = decide(node, body);
        assertEquals("needs_approval", held.getString("verdict"), held.encode());
        return held.getJsonObject("approval").getString("id");
    }

    /** An action held for approval: the request and the approval's id. */
    record Held(String body, String id) {
    }

    /** Holds fresh asks made by {@code ask} on {@code node} until one lands in an entry that node's member owns. */
    static Held holdOwnedBy(TestNode node, Supplier<String> ask) throws Exception {
        for (int attempt = 0; attempt < 60; attempt++) {
            String body = ask.get();
            String id = hold(node, body);
            if (node.server.hazelcast().getPartitionService().getPartition(id).getOwner().localMember()) {
                return new Held(body, id);
            }
        }
        throw new AssertionError("no approval landed on " + node.server.config().node());
    }

    static HttpResponse<Buffer> vote(TestNode node, String id, String who, String vote) throws Exception {
        return node.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"" + vote + "\", \"comment\": \"by " + who + "\"}", TOKENS.get(who));
    }

    static CompletableFuture<HttpResponse<Buffer>> voteAsync(TestNode node, String id, String who, String vote) {
        return node.client.post("/v1/approvals/" + id + "/votes").putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + TOKENS.get(who))
                .sendBuffer(Buffer.buffer("{\"vote\": \"" + vote + "\"}")).toCompletionStage().toCompletableFuture();
    }

    static CompletableFuture<HttpResponse<Buffer>> decideAsync(TestNode node, String body) {
        return node.client.post("/v1/decisions").putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + TOKENS.get("gateway"))
                .sendBuffer(Buffer.buffer(body)).toCompletionStage().toCompletableFuture();
    }

    static CompletableFuture<HttpResponse<Buffer>> waitFor(TestNode node, String id, String wait) {
        return node.client.get("/v1/approvals/" + id + "?wait=" + wait).putHeader("Authorization", "Bearer " + TOKENS.get("gateway"))
                .send().toCompletionStage().toCompletableFuture();
    }

    static JsonObject approval(TestNode node, String id) throws Exception {
        HttpResponse<Buffer> r = node.get("/v1/approvals/" + id, TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /** The approval records of {@code id} in every node's audit log, crashed and replaced nodes included. */
    static List<JsonObject> auditEvents(String id) throws Exception {
        for (TestNode n : nodes) {
            n.server.audit().flush();
        }
        List<JsonObject> events = new ArrayList<>();
        for (Path data : dataDirs) {
            Path audit = data.resolve("audit");
            if (!Files.isDirectory(audit)) {
                continue;
            }
            try (Stream<Path> files = Files.list(audit)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                    for (String line : Files.readAllLines(f)) {
                        if (line.contains(id)) {
                            JsonObject record = new JsonObject(line);
                            if ("approval".equals(record.getString("type")) && id.equals(record.getString("approval_id"))) {
                                events.add(record);
                            }
                        }
                    }
                }
            }
        }
        return events;
    }

    static long count(List<JsonObject> events, String event) {
        return events.stream().filter(e -> event.equals(e.getString("event"))).count();
    }

    /** Polls until the audit logs hold {@code event} for {@code id}; answers them all. */
    static List<JsonObject> awaitAudited(String id, String event) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            List<JsonObject> events = auditEvents(id);
            if (count(events, event) > 0) {
                return events;
            }
            assertTrue(System.nanoTime() < deadline, "no '" + event + "' audited for " + id + ": " + events);
            Thread.sleep(50);
        }
    }

    // ---- scenarios ----

    @Test
    void aVoteOnOneNodeWakesAWaiterOnAnother() throws Exception {
        TestNode a = nodes[0], b = nodes[1], c = nodes[2];
        JsonObject held = decide(a, export("wake across nodes"));
        String id = held.getJsonObject("approval").getString("id");
        String decisionId = held.getString("decision_id");

        CompletableFuture<HttpResponse<Buffer>> waiter = waitFor(c, id, "30s");
        Thread.sleep(300);
        assertFalse(waiter.isDone(), "the waiter on C waits while the approval is pending, but answered before any vote"
                + " (woken by the 'created' event A published, which can reach C after the waiter registered): "
                + (waiter.isDone() ? waiter.join().bodyAsString() : ""));
        HttpResponse<Buffer> vote = vote(b, id, "carol", "approve");
        assertEquals(200, vote.statusCode(), vote.bodyAsString());
        HttpResponse<Buffer> woken = waiter.get(10, TimeUnit.SECONDS); // woken by the vote, long before its 30 s are over
        JsonObject body = woken.bodyAsJsonObject();
        assertEquals("approved", body.getString("status"), body.encode());
        assertEquals("carol@example.com", body.getString("decided_by"));
        JsonObject v = body.getJsonArray("votes").getJsonObject(0);
        assertEquals("node-b", v.getString("node"), "the vote was cast through B");
        assertEquals("node-a", body.getString("created_by"));

        // The held decision is readable on every node.
        for (TestNode n : List.of(b, c)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            HttpResponse<Buffer> record;
            do {
                record = n.get("/v1/decisions/" + decisionId, TOKENS.get("gateway"));
            } while (record.statusCode() == 404 && System.nanoTime() < deadline && sleep(50));
            assertEquals(200, record.statusCode(), record.bodyAsString());
            assertEquals("needs_approval", record.bodyAsJsonObject().getString("verdict"));
            assertEquals("node-a", record.bodyAsJsonObject().getString("node"));
            assertEquals(id, record.bodyAsJsonObject().getJsonObject("approval").getString("id"));
        }
        List<JsonObject> events = awaitAudited(id, "approved");
        assertEquals(1, count(events, "created"));
        assertEquals("node-a", events.stream().filter(e -> "created".equals(e.getString("event"))).findFirst().orElseThrow()
                .getString("created_by"), "created through A (and audited by whichever node holds it)");
        assertEquals(1, count(events, "approved"));
    }

    @Test
    void aWaiterIsNotAnsweredByAVoteThatDoesNotDecide() throws Exception {
        TestNode a = nodes[0], b = nodes[1], c = nodes[2];
        String id = hold(a, roleGrant("frank@example.com", "waiter-" + UUID.randomUUID()));
        CompletableFuture<HttpResponse<Buffer>> waiter = waitFor(c, id, "30s");
        Thread.sleep(300);
        assertFalse(waiter.isDone());
        assertEquals("pending", vote(b, id, "carol", "approve").bodyAsJsonObject().getString("status"), "one of two security approvers");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        while (System.nanoTime() < deadline && !waiter.isDone()) {
            Thread.sleep(20);
        }
        assertFalse(waiter.isDone(), "a long-poll is answered once the approval is decided (or the wait is over), but a vote that"
                + " did not decide it answered: " + (waiter.isDone() ? waiter.join().bodyAsString() : ""));
        assertEquals("approved", vote(a, id, "dan", "approve").bodyAsJsonObject().getString("status"));
        assertEquals("approved", waiter.get(10, TimeUnit.SECONDS).bodyAsJsonObject().getString("status"));
    }

    @Test
    void theSameAskOnTwoNodesAtOnceIsOneApproval() throws Exception {
        for (int round = 0; round < 5; round++) {
            String body = export("asked twice " + UUID.randomUUID());
            CompletableFuture<HttpResponse<Buffer>> onA = decideAsync(nodes[0], body);
            CompletableFuture<HttpResponse<Buffer>> onB = decideAsync(nodes[1], body);
            JsonObject first = get(onA).bodyAsJsonObject();
            JsonObject second = get(onB).bodyAsJsonObject();
            String id = first.getJsonObject("approval").getString("id");
            assertEquals(id, second.getJsonObject("approval").getString("id"), "round " + round + ": " + first.encode() + " " + second.encode());
            assertEquals(1, (first.getJsonObject("approval").getBoolean("reused", false) ? 1 : 0)
                    + (second.getJsonObject("approval").getBoolean("reused", false) ? 1 : 0), "exactly one ask created it");
            assertEquals(1, count(awaitAudited(id, "created"), "created"), "created once, audited once");
        }
    }

    @Test
    void approvalsVotesAndGrantsSurviveTheCreatingNodesCrash() throws Exception {
        TestNode a = nodes[0], b = nodes[1], c = nodes[2];
        // All three approvals live (primary replica) on A's member.
        String halfVoted = holdOwnedBy(a, () -> roleGrant("frank@example.com", "grantee-" + UUID.randomUUID())).id();
        Held granted = holdOwnedBy(a, () -> export("grant before the crash " + UUID.randomUUID()));
        String grant = granted.id();
        String grantBody = granted.body();
        String untouched = holdOwnedBy(a, () -> export("untouched " + UUID.randomUUID())).id();
        assertEquals("pending", vote(a, halfVoted, "carol", "approve").bodyAsJsonObject().getString("status"));
        assertEquals("approved", vote(a, grant, "carol", "approve").bodyAsJsonObject().getString("status"));
        JsonObject halfBefore = approval(b, halfVoted);
        JsonObject grantBefore = approval(c, grant);

        crash(0);

        // Immediately readable and identical on B and C, while the cluster takes over A's partitions.
        for (TestNode n : List.of(b, c)) {
            JsonObject half = approval(n, halfVoted);
            assertEquals(halfBefore, half, "the half-voted approval is intact on " + n.server.config().node());
            assertEquals("pending", half.getString("status"));
            assertEquals(1, half.getJsonArray("votes").size());
            assertEquals(new JsonObject().put("security", 1), half.getJsonObject("approvals"));
            assertEquals(grantBefore, approval(n, grant), "the grant is intact on " + n.server.config().node());
            assertEquals("pending", approval(n, untouched).getString("status"));
        }
        // Still decidable: a waiter on B is woken by the deciding vote on C.
        CompletableFuture<HttpResponse<Buffer>> waiter = waitFor(b, halfVoted, "30s");
        Thread.sleep(300);
        HttpResponse<Buffer> second = vote(c, halfVoted, "dan", "approve");
        assertEquals(200, second.statusCode(), second.bodyAsString());
        assertEquals("approved", second.bodyAsJsonObject().getString("status"));
        JsonObject woken = waiter.get(10, TimeUnit.SECONDS).bodyAsJsonObject();
        assertEquals("approved", woken.getString("status"));
        assertEquals(2, woken.getJsonArray("votes").size(), "the vote cast on A before the crash still counts");
        assertEquals(409, vote(b, halfVoted, "carol", "deny").statusCode(), "carol's vote from before the crash is remembered");
        assertEquals("approved", vote(b, untouched, "gina", "approve").bodyAsJsonObject().getString("status"));

        // The grant made on A is used exactly once, on B or C.
        CompletableFuture<HttpResponse<Buffer>> onB = decideAsync(b, withApproval(grantBody, grant));
        CompletableFuture<HttpResponse<Buffer>> onC = decideAsync(c, withApproval(grantBody, grant));
        List<String> verdicts = List.of(get(onB).bodyAsJsonObject().getString("verdict"), get(onC).bodyAsJsonObject().getString("verdict"));
        assertEquals(1, verdicts.stream().filter("allow"::equals).count(), "exactly one allow: " + verdicts);
        assertEquals(1, verdicts.stream().filter("deny"::equals).count(), verdicts.toString());
        assertEquals("deny", decide(b, withApproval(grantBody, grant)).getString("verdict"), "and never again");
        List<JsonObject> events = awaitAudited(grant, "redeemed");
        assertEquals(1, count(events, "redeemed"));
        assertEquals(1, count(awaitAudited(halfVoted, "approved"), "approved"));
    }

    @Test
    void twoReviewersVotingAtTheSameInstantOnTwoNodesApproveOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            String id = hold(nodes[0], roleGrant("frank@example.com", "race-" + UUID.randomUUID()));
            CompletableFuture<HttpResponse<Buffer>> onB = voteAsync(nodes[1], id, "carol", "approve");
            CompletableFuture<HttpResponse<Buffer>> onC = voteAsync(nodes[2], id, "dan", "approve");
            HttpResponse<Buffer> rb = get(onB);
            HttpResponse<Buffer> rc = get(onC);
            assertEquals(200, rb.statusCode(), rb.bodyAsString());
            assertEquals(200, rc.statusCode(), rc.bodyAsString());
            List<String> statuses = List.of(rb.bodyAsJsonObject().getString("status"), rc.bodyAsJsonObject().getString("status"));
            assertEquals(1, statuses.stream().filter("approved"::equals).count(), "one vote saw it pending, the other decided it: " + statuses);
            JsonObject stored = approval(nodes[0], id);
            assertEquals("approved", stored.getString("status"));
            assertEquals(2, stored.getJsonArray("votes").size(), "no vote lost");
            List<JsonObject> events = awaitAudited(id, "approved");   // audited in the order of the approval's events
            assertEquals(2, count(events, "vote"), "round " + round + ": " + events);
            assertEquals(1, count(events, "approved"), "round " + round + ": approved once across all nodes: " + events);
        }
    }

    @Test
    void anApproveAndADenyAtTheSameInstantOnTwoNodesHaveOneOutcome() throws Exception {
        for (int round = 0; round < 5; round++) {
            String id = hold(nodes[0], export("approve or deny " + UUID.randomUUID()));
            CompletableFuture<HttpResponse<Buffer>> onB = voteAsync(nodes[1], id, "carol", "approve");
            CompletableFuture<HttpResponse<Buffer>> onC = voteAsync(nodes[2], id, "gina", "deny");
            List<Integer> codes = List.of(get(onB).statusCode(), get(onC).statusCode());
            assertEquals(List.of(200, 409), codes.stream().sorted().toList(), "one vote decides, the other finds it decided");
            JsonObject stored = approval(nodes[0], id);
            String outcome = stored.getString("status");
            assertTrue(outcome.equals("approved") || outcome.equals("denied"), outcome);
            assertEquals(1, stored.getJsonArray("votes").size());
            List<JsonObject> events = awaitAudited(id, outcome);
            assertEquals(1, count(events, "approved") + count(events, "denied"), "one outcome audited: " + events);
            assertEquals(1, count(events, outcome));
        }
    }

    @Test
    void anApprovalExpiresOnceAfterTheNodeThatCreatedItCrashed() throws Exception {
        TestNode a = nodes[0], b = nodes[1], c = nodes[2];
        String id = holdOwnedBy(a, () -> quickHold("expire after crash " + UUID.randomUUID())).id();
        crash(0);
        long crashedAt = System.nanoTime();
        JsonObject waited = b.get("/v1/approvals/" + id + "?wait=10s", TOKENS.get("gateway")).bodyAsJsonObject();
        assertEquals("expired", waited.getString("status"), waited.encode());
        List<JsonObject> events = awaitAudited(id, "expired");
        // Every member sweeps every 200 ms: give a second expiry a few rounds to show up.
        while (System.nanoTime() - crashedAt < TimeUnit.MILLISECONDS.toNanos(2500)) {
            Thread.sleep(100);
        }
        events = auditEvents(id);
        assertEquals(1, count(events, "expired"), "expired exactly once cluster-wide: " + events);
        JsonObject expired = events.stream().filter(e -> "expired".equals(e.getString("event"))).findFirst().orElseThrow();
        assertTrue(List.of("node-b", "node-c").contains(expired.getString("node")), "a surviving node expired it: " + expired.encode());
        assertEquals("expiry", expired.getString("decided_by"));
        assertEquals("expired", approval(c, id).getString("status"));
        assertEquals(409, vote(c, id, "erin", "approve").statusCode());
        assertEquals(1, count(auditEvents(id), "expired"), "a late vote does not expire it again");
    }

    @Test
    void votesThatDoNotCountAreRefusedOnEveryNode() throws Exception {
        TestNode a = nodes[0], b = nodes[1], c = nodes[2];
        String id = hold(a, roleGrant("dan@example.com", "refusals-" + UUID.randomUUID()));
        HttpResponse<Buffer> self = vote(b, id, "dan", "approve");
        assertEquals(403, self.statusCode(), self.bodyAsString());
        assertEquals("self_approval", self.bodyAsJsonObject().getString("code"));
        HttpResponse<Buffer> outsider = vote(c, id, "erin", "approve");
        assertEquals(404, outsider.statusCode(), "a reviewer of none of its groups may not know it exists");
        assertEquals("not_found", outsider.bodyAsJsonObject().getString("code"));
        assertEquals("pending", vote(b, id, "carol", "approve").bodyAsJsonObject().getString("status"));
        HttpResponse<Buffer> changed = vote(c, id, "carol", "deny");
        assertEquals(409, changed.statusCode(), "carol voted on B; changing it on C is refused");
        assertEquals("already_voted", changed.bodyAsJsonObject().getString("code"));
        HttpResponse<Buffer> repeated = vote(a, id, "carol", "approve");
        assertEquals(200, repeated.statusCode(), "the same vote again, on another node, changes nothing");
        assertEquals(1, repeated.bodyAsJsonObject().getJsonArray("votes").size());
        assertEquals("approved", vote(c, id, "gina", "approve").bodyAsJsonObject().getString("status"));
        HttpResponse<Buffer> late = vote(a, id, "dan", "deny");
        assertEquals(409, late.statusCode(), "a vote after the decision is refused (the decision comes before self-approval)");
        assertEquals("decided", late.bodyAsJsonObject().getString("code"));

        String export = hold(b, export("alice's own agent " + UUID.randomUUID()));
        HttpResponse<Buffer> principal = vote(c, export, "alice", "approve");
        assertEquals(403, principal.statusCode());
        assertTrue(principal.bodyAsJsonObject().getString("message").contains("acts on their behalf"), principal.bodyAsString());
        List<JsonObject> events = awaitAudited(id, "approved");
        assertEquals(2, count(events, "vote"), "only counted votes are audited: " + events);
    }

    @Test
    void oneGrantRedeemedOnTwoNodesAtOnceAllowsOnce() throws Exception {
        for (int round = 0; round < 10; round++) {
            String body = export("redeem race " + UUID.randomUUID());
            String id = hold(nodes[0], body);
            assertEquals(200, vote(nodes[0], id, "carol", "approve").statusCode());
            CompletableFuture<HttpResponse<Buffer>> onB = decideAsync(nodes[1], withApproval(body, id));
            CompletableFuture<HttpResponse<Buffer>> onC = decideAsync(nodes[2], withApproval(body, id));
            JsonObject rb = get(onB).bodyAsJsonObject();
            JsonObject rc = get(onC).bodyAsJsonObject();
            List<String> verdicts = List.of(rb.getString("verdict"), rc.getString("verdict"));
            assertEquals(List.of("allow", "deny"), verdicts.stream().sorted().toList(), "round " + round);
            JsonObject denied = "deny".equals(rb.getString("verdict")) ? rb : rc;
            assertTrue(denied.getJsonArray("reasons").getJsonObject(0).getString("message").contains("already used"), denied.encode());
            JsonObject allowed = "allow".equals(rb.getString("verdict")) ? rb : rc;
            JsonObject stored = approval(nodes[0], id);
            assertEquals(allowed.getString("decision_id"), stored.getString("redeemed_by"), "the grant names the decision that used it");
            assertEquals(1, count(awaitAudited(id, "redeemed"), "redeemed"));
        }
    }

    // ---- latency (printed, never asserted) ----

    @Test
    void latencyOfHoldingAnActionAndOfAVoteWakingAWaiterOnAnotherNode() throws Exception {
        TestNode a = nodes[0], b = nodes[1], c = nodes[2];
        String run = UUID.randomUUID().toString();
        for (int i = 0; i < 60; i++) {
            hold(a, export("warm-up " + run + " " + i));
        }
        long[] allows = new long[200];
        for (int i = -60; i < allows.length; i++) {
            String body = "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\"}, \"action\": {\"name\": \"data.read\", \"intent\": \""
                    + run + " " + i + "\"}}";
            long t0 = System.nanoTime();
            HttpResponse<Buffer> r = a.post("/v1/decisions", body, TOKENS.get("gateway"));
            if (i >= 0) {
                allows[i] = System.nanoTime() - t0;
            }
            assertEquals("allow", r.bodyAsJsonObject().getString("verdict"));
        }
        long[] holds = new long[200];
        for (int i = 0; i < holds.length; i++) {
            String body = export("latency " + run + " " + i);
            long t0 = System.nanoTime();
            HttpResponse<Buffer> r = a.post("/v1/decisions", body, TOKENS.get("gateway"));
            holds[i] = System.nanoTime() - t0;
            assertEquals("needs_approval", r.bodyAsJsonObject().getString("verdict"));
        }

        for (int i = 0; i < 5; i++) {
            wakeOnce(a, b, c, "warm-up " + run + " " + i);
        }
        int rounds = 50;
        prematureAnswers = 0;
        long[] votes = new long[rounds];
        long[] wakes = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long[] t = wakeOnce(a, b, c, "wake " + run + " " + i);
            votes[i] = t[0];
            wakes[i] = t[1];
        }
        System.out.printf("ClusterTest latency: baseline allow (POST /v1/decisions -> allow, no approval, node A, sequential): "
                + "median %.2f ms, p99 %.2f ms over %d decisions%n", pct(allows, 50), pct(allows, 99), allows.length);
        System.out.printf("ClusterTest latency: hold (POST /v1/decisions -> needs_approval, new approval, node A, sequential): "
                + "median %.2f ms, p99 %.2f ms, max %.2f ms over %d asks%n", pct(holds, 50), pct(holds, 99), pct(holds, 100), holds.length);
        System.out.printf("ClusterTest latency: vote on B (POST votes -> 200 approved): median %.2f ms, p99 %.2f ms over %d rounds%n",
                pct(votes, 50), pct(votes, 99), rounds);
        System.out.printf("ClusterTest latency: vote sent to B -> waiter on C answered approved: median %.2f ms, p99 %.2f ms,"
                + " max %.2f ms over %d rounds (%d waiters answered 'pending' before the vote and were re-issued)%n",
                pct(wakes, 50), pct(wakes, 99), pct(wakes, 100), rounds, prematureAnswers);
    }

    /** One round: hold on A, wait on C, vote on B; answers the vote's round trip and the time from sending it to C's answer. */
    static long[] wakeOnce(TestNode a, TestNode b, TestNode c, String intent) throws Exception {
        String id = hold(a, export(intent));
        long[] answeredAt = new long[1];
        CompletableFuture<HttpResponse<Buffer>> waiter = null;
        for (int attempt = 0; attempt < 5 && (waiter == null || waiter.isDone()); attempt++) {
            if (waiter != null) {
                // Answered while still pending (woken by another event of this approval): wait again, as a client would.
                assertEquals("pending", waiter.join().bodyAsJsonObject().getString("status"));
                prematureAnswers++;
            }
            waiter = waitFor(c, id, "30s").whenComplete((r, e) -> answeredAt[0] = System.nanoTime());
            Thread.sleep(100);
        }
        assertFalse(waiter.isDone(), "the waiter is waiting before the vote");
        long t0 = System.nanoTime();
        HttpResponse<Buffer> voted = b.post("/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\"}", TOKENS.get("carol"));
        long voteNanos = System.nanoTime() - t0;
        assertEquals(200, voted.statusCode());
        HttpResponse<Buffer> woken = waiter.get(10, TimeUnit.SECONDS);
        assertEquals("approved", woken.bodyAsJsonObject().getString("status"));
        return new long[] {voteNanos, answeredAt[0] - t0};
    }

    static int prematureAnswers;

    static double pct(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    @Test
    void aNodeCutOffFromTheMajorityRefusesApprovalsButStillDecides() throws Exception {
        TestNode survivor = nodes[2];
        String before = hold(survivor, export("held before the split " + UUID.randomUUID()));
        crash(0);
        crash(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (survivor.server.hazelcast().getCluster().getMembers().size() > 1) {
            assertTrue(System.nanoTime() < deadline, "the survivor never noticed it is alone");
            Thread.sleep(50);
        }
        JsonObject ready = survivor.get("/health/ready", null).bodyAsJsonObject();
        assertEquals("ready", ready.getString("status"), "it still decides allow and deny: " + ready.encode());
        assertTrue(ready.getJsonObject("checks").getJsonObject("cluster").getString("approvals").startsWith("refused"), ready.encode());

        HttpResponse<Buffer> held = survivor.post("/v1/decisions", export("held in a minority " + UUID.randomUUID()), TOKENS.get("gateway"));
        assertEquals(503, held.statusCode(), held.bodyAsString());
        assertEquals("cluster_minority", held.bodyAsJsonObject().getString("code"));
        assertEquals("5", held.getHeader("Retry-After"));
        HttpResponse<Buffer> voted = vote(survivor, before, "carol", "approve");
        assertEquals(503, voted.statusCode(), "a minority approves nothing: " + voted.bodyAsString());
        assertEquals(503, survivor.get("/v1/approvals/" + before, TOKENS.get("gateway")).statusCode(), "nor reads what may be stale");
        assertEquals(503, survivor.get("/v1/approvals/" + before + "?wait=30s", TOKENS.get("gateway")).statusCode(), "nor waits");
        HttpResponse<Buffer> metrics = survivor.get("/metrics", null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.bodyAsString().contains("countersign_approval_waiters 0.0"), "a refused wait leaves no waiter behind");

        JsonObject read = decide(survivor, "{\"actor\": {\"id\": \"bob\", \"type\": \"human\"}, \"action\": {\"name\": \"data.read\"}}");
        assertEquals("allow", read.getString("verdict"), "the rules still decide on a minority node");
    }

    @Test
    void everyNodeSeesTheSameApprovals() throws Exception {
        String id = hold(nodes[2], export("listed everywhere " + UUID.randomUUID()));
        for (TestNode n : nodes) {
            JsonObject listed = n.get("/v1/approvals?status=pending&group=data-governance", TOKENS.get("carol")).bodyAsJsonObject();
            JsonArray items = listed.getJsonArray("approvals");
            assertNotNull(items);
            assertTrue(items.stream().anyMatch(x -> ((JsonObject) x).getString("id").equals(id)), n.server.config().node() + ": " + listed.encode());
        }
    }
}
