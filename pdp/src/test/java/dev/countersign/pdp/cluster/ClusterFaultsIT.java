package dev.countersign.pdp.cluster;

import static dev.countersign.pdp.cluster.NodeProcesses.TOKENS;
import static dev.countersign.pdp.cluster.NodeProcesses.approval;
import static dev.countersign.pdp.cluster.NodeProcesses.decide;
import static dev.countersign.pdp.cluster.NodeProcesses.get;
import static dev.countersign.pdp.cluster.NodeProcesses.withApproval;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.cluster.MixedStream.Held;
import dev.countersign.pdp.cluster.NodeProcesses.Node;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster faults on three node processes ({@link NodeProcesses}) under a {@link MixedStream} of
 * decisions, holds, votes and redemptions on every node.
 *
 * <p>A member killed with SIGKILL mid-stream: the callers of the two survivors get no error at all
 * (while it dies, while the survivors take over its partitions, and while it restarts and rejoins);
 * only requests to the killed node fail. Afterwards every approval whose creation was answered is on
 * both survivors with every vote that was answered 200, every grant is used exactly once, every event
 * of every approval is in the audit logs, the decision records are readable from the survivors, and the
 * member, restarted on its home, rejoins and serves the same approvals.
 *
 * <p>A member stopped with SIGSTOP for 10 seconds: the other two keep answering every request (none
 * fails, none waits longer than the heartbeat timeout), and the member carries on once continued.
 */
class ClusterFaultsIT {
    /** How long a member may stay silent before the others drop it (ClusterSettings.SPLIT_NOTICED_WITHIN_SECONDS). */
    static final long HEARTBEAT_TIMEOUT_SECONDS = 15;

    /**
     * The evaluation budget raised from its 50 ms default: the budget is wall-clock time, and on a
     * machine as busy as CI's a trivial read can lose that much to scheduling; this test is about faults.
     */
    static final String CONFIG = "engine: {max_evaluation_time: PT2S}\n";

    @TempDir
    Path dir;

    @Test
    void aKilledMemberLosesNothingAndRejoins() throws Exception {
        try (WebhookReceiver webhook = new WebhookReceiver(); NodeProcesses cluster = new NodeProcesses(dir, 3, CONFIG + webhook.config())) {
            List<Node> nodes = cluster.startAll();
            Node killed = nodes.get(0);   // the oldest member: the one that formed the cluster
            List<Node> survivors = nodes.subList(1, 3);
            MixedStream stream = new MixedStream(nodes, 2, 20);
            stream.start();
            // Until the member to be killed holds enough approvals that it owns some (the machine may be slow).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Thread.sleep(3_000);
            while (heldOn(stream, killed) < 30 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            stream.killing(killed);
            long killedAt = System.nanoTime();
            NodeProcesses.kill(killed);
            Thread.sleep(4_000);
            long restartedAt = System.nanoTime();
            cluster.start(killed);
            NodeProcesses.awaitReady(nodes, 3);
            long rejoinedMillis = (System.nanoTime() - restartedAt) / 1_000_000;
            Thread.sleep(1_000);   // the stream goes on against the survivors while the member is back
            stream.stop();

            System.out.printf("ClusterFaultsIT kill: %d requests, %d approvals held, %d decisions; %d failed in flight to the killed node,"
                            + " %d failed on survivors; killed member ready again in a cluster of 3 after %d ms; slowest answer by node (ms): %s,"
                            + " by kind (ms): %s%n",
                    stream.requests.get(), stream.held.size(), stream.decided.size(), stream.inFlightToKilled.size(), stream.failures.size(),
                    rejoinedMillis, slowest(stream), slowestByKind(stream));
            assertTrue(stream.failures.isEmpty(), "callers of the survivors saw errors (ms after the kill): " + stream.failures.stream()
                    .map(f -> (f.startedNanos() - killedAt) / 1_000_000 + " ms: " + f).collect(Collectors.joining("\n"))
                    + "\n" + survivors.stream().map(n -> n.errors(3)).collect(Collectors.joining("\n")));
            long heldByKilled = heldOn(stream, killed);
            assertTrue(heldByKilled >= 30, "the killed node had held approvals: " + heldByKilled);

            assertApprovalsAndVotesSurvive(stream, survivors);
            assertEveryEventAudited(cluster, stream);
            assertEveryEventDelivered(webhook, stream);
            assertDecisionRecordsReadable(decisionRecordsThatMustSurvive(stream, killed, killedAt), survivors);
            assertGrantsUsableExactlyOnce(stream, survivors);
            for (Held h : stream.held.values()) {
                assertEquals(without(approval(survivors.get(0), h.id)), without(approval(killed, h.id)),
                        "the rejoined member serves " + h.id + " as the survivors do");
            }
        }
    }

    @Test
    void aStoppedMemberDoesNotStallTheOthers() throws Exception {
        try (NodeProcesses cluster = new NodeProcesses(dir, 3, CONFIG)) {
            List<Node> nodes = cluster.startAll();
            Node stopped = nodes.get(2);
            List<Node> others = nodes.subList(0, 2);
            // Approvals held on every node first, so some of the stopped member's partitions hold them.
            MixedStream warm = new MixedStream(nodes, 1, 20);
            warm.start();
            Thread.sleep(3_000);
            warm.stop();
            assertTrue(warm.failures.isEmpty(), "before the stop: " + warm.failures);

            MixedStream stream = new MixedStream(others, 2, 20);
            MixedStream reads = new MixedStream(others, 1, 20, true);
            NodeProcesses.signal(stopped, "STOP");
            long stoppedAt = System.nanoTime();
            stream.start();
            reads.start();
            Thread.sleep(10_000);
            NodeProcesses.signal(stopped, "CONT");
            long stoppedMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
            reads.stop();
            stream.stop();   // each thread finishes the step it is in
            System.out.printf("ClusterFaultsIT stop: member stopped %d ms; on the other two: mixed stream %d requests (%s), %d failed,"
                            + " slowest by kind (ms) %s; reads alone %d, %d failed, slowest %d ms%n", stoppedMillis, stream.requests.get(),
                    stream.answered, stream.failures.size(), slowestByKind(stream), reads.requests.get(), reads.failures.size(),
                    reads.slowestByKind.get("decide allow").get() / 1_000_000);
            if (!stream.failures.isEmpty() || !reads.failures.isEmpty()) {
                for (Node n : nodes) {
                    System.out.println("ClusterFaultsIT stop: errors logged by " + n.errors(5));
                }
            }
            assertTrue(stream.failures.isEmpty(), "the other members failed requests while one was stopped: " + stream.failures
                    + "\n" + others.stream().map(n -> n.errors(3)).collect(Collectors.joining("\n")));
            assertTrue(reads.failures.isEmpty(), "the other members failed reads while one was stopped: " + reads.failures
                    + "\n" + others.stream().map(n -> n.errors(3)).collect(Collectors.joining("\n")));
            for (MixedStream s : List.of(stream, reads)) {
                for (Node n : others) {
                    long slowestMillis = s.slowest.get(n.index()).get() / 1_000_000;
                    assertTrue(slowestMillis < TimeUnit.SECONDS.toMillis(HEARTBEAT_TIMEOUT_SECONDS + 5),
                            n + " answered within the heartbeat timeout and a margin: " + slowestMillis + " ms");
                }
            }
            // Decisions that touch no shared state are not held up by the stopped member at all.
            assertTrue(reads.decided.size() >= 20, "reads went on while the member was stopped: " + reads.decided.size());

            NodeProcesses.awaitReady(nodes, 3);
            assertApprovalsAndVotesSurvive(stream, List.of(stopped));
            assertApprovalsAndVotesSurvive(warm, others);
            assertGrantsUsableExactlyOnce(stream, List.of(stopped, others.get(0)));
        }
    }

    /** Every approval whose creation was answered is on each of {@code nodes}, with every vote answered 200 and the status they made. */
    static void assertApprovalsAndVotesSurvive(MixedStream stream, List<Node> nodes) throws Exception {
        for (Node n : nodes) {
            for (Held h : stream.held.values()) {
                JsonObject a = approval(n, h.id);
                Set<String> voted = new HashSet<>();
                for (Object v : a.getJsonArray("votes")) {
                    voted.add(((JsonObject) v).getString("reviewer").replace("@example.com", ""));
                }
                assertTrue(voted.containsAll(h.votes), n + " has every vote answered on " + h.id + ": " + h.votes + " in " + a.encode());
                if (h.approved) {
                    assertEquals("approved", a.getString("status"), n + ": " + a.encode());
                } else if (!h.uncertain) {
                    assertEquals(h.votes, voted, n + " has no vote that was not answered on " + h.id + ": " + a.encode());
                    assertEquals("pending", a.getString("status"), n + ": " + a.encode());
                }
                if (h.redeemed) {
                    assertNotNull(a.getString("redeemed_at"), n + " records the redemption of " + h.id + ": " + a.encode());
                }
            }
        }
    }

    /**
     * Every approved grant is used exactly once: one answered allow during the stream, or now on the
     * first node and never again on the others; a redemption in flight to a killed node may have
     * happened or not, but once only.
     */
    static void assertGrantsUsableExactlyOnce(MixedStream stream, List<Node> nodes) throws Exception {
        int approved = 0;
        for (Held h : stream.held.values()) {
            if (!h.approved) {
                continue;
            }
            approved++;
            String body = withApproval(h.body, h.id);
            String first = decide(nodes.get(0), body).getString("verdict");
            if (h.redeemed) {
                assertEquals("deny", first, "a grant used during the stream is used up: " + h.id);
            } else if (!h.uncertain) {
                assertEquals("allow", first, "an approved grant not yet used is allowed once: " + h.id);
            }
            for (Node n : nodes) {
                JsonObject again = decide(n, body);
                assertEquals("deny", again.getString("verdict"), "used up on " + n + ": " + again.encode());
                assertTrue(again.encode().contains("already used"), again.encode());
            }
        }
        assertTrue(approved > 0, "the stream approved grants: " + approved);
    }

    /**
     * Every event of every approval is in the audit log of some node, the killed one's included: its
     * creation, each vote answered, its approval and its redemption when they were answered, with no
     * sequence number missing below the last; at least once, and the same event under each id. The
     * logs are written asynchronously, so this waits up to 30 seconds for them.
     */
    static void assertEveryEventAudited(NodeProcesses cluster, MixedStream stream) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            String missing = unaudited(cluster, stream);
            if (missing == null) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "not audited: " + missing);
            Thread.sleep(500);
        }
    }

    /**
     * Every event of every approval reaches the webhook destination every approval is routed to,
     * through the kill: at least once, and once by id (the receiver de-duplicates by
     * {@code X-Countersign-Event}); waits up to 60 seconds, for deliveries retried with backoff.
     */
    static void assertEveryEventDelivered(WebhookReceiver webhook, MixedStream stream) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String missing = missing(webhook.eventById, stream, false);
            if (missing == null) {
                System.out.printf("ClusterFaultsIT kill: webhook got %d events by id in %d deliveries%n", webhook.eventById.size(),
                        webhook.deliveries.get());
                return;
            }
            assertTrue(System.nanoTime() < deadline, "not delivered to the webhook: " + missing);
            Thread.sleep(500);
        }
    }

    /** What {@link #assertEveryEventAudited} finds missing, or null. */
    private static String unaudited(NodeProcesses cluster, MixedStream stream) throws Exception {
        Map<String, String> eventById = new HashMap<>();
        for (Node n : cluster.nodes()) {
            for (JsonObject r : cluster.auditRecords(n)) {
                String id = r.getString("event_id");
                if (id != null) {
                    String type = eventById.putIfAbsent(id, r.getString("event"));
                    assertTrue(type == null || type.equals(r.getString("event")), "one event under " + id + ": " + type + ", " + r.encode());
                }
            }
        }
        return missing(eventById, stream, true);
    }

    /**
     * Which approval of the stream lacks, in {@code eventById}, its creation at seq 1, a vote per answered
     * vote, or its approval or redemption when answered (and, with {@code gapless}, any sequence number
     * below its last); null when none does.
     */
    private static String missing(Map<String, String> eventById, MixedStream stream, boolean gapless) {
        Map<String, TreeMap<Integer, String>> byApproval = new HashMap<>();
        eventById.forEach((id, type) -> byApproval.computeIfAbsent(id.substring(0, id.lastIndexOf(':')), k -> new TreeMap<>())
                .put(Integer.parseInt(id.substring(id.lastIndexOf(':') + 1)), type));
        for (Held h : stream.held.values()) {
            TreeMap<Integer, String> events = byApproval.getOrDefault(h.id, new TreeMap<>());
            List<String> types = List.copyOf(events.values());
            if (events.isEmpty() || !"created".equals(events.get(1))) {
                return h.id + " created: " + events;
            }
            if (gapless && events.size() != events.lastKey()) {
                return h.id + " has a gap: " + events;
            }
            if (types.stream().filter("vote"::equals).count() < h.votes.size()) {
                return h.id + " votes " + h.votes + ": " + events;
            }
            if (h.approved && !types.contains("approved") || h.redeemed && !types.contains("redeemed")) {
                return h.id + (h.redeemed ? " redeemed: " : " approved: ") + events;
            }
        }
        return null;
    }

    /**
     * The decision records that must be readable from every survivor after the kill, decision id →
     * the node that decided. Today each node keeps the records of its own decisions, so only those
     * made on surviving nodes are required. Once decision records are replicated in the cluster
     * (issue 14, "decision records survive the node that made them"), return every decision the
     * stream was answered, the killed node's included: {@code stream.decided} as it is.
     */
    /**
     * Every decision answered by a survivor, and every one the killed node answered at least a second
     * before its kill began: a node ships its records to its backup within a second of deciding them
     * (in batches, every 50 ms), so only those it decided in its last moments may be lost with it
     * (they are in its audit log).
     */
    static Map<String, Node> decisionRecordsThatMustSurvive(MixedStream stream, Node killed, long killedAt) {
        Map<String, Node> survive = new LinkedHashMap<>();
        long shippedBy = killedAt - TimeUnit.SECONDS.toNanos(1);
        int fromKilled = 0;
        for (Map.Entry<String, Node> e : stream.decided.entrySet()) {
            boolean decidedByKilled = e.getValue() == killed;
            if (!decidedByKilled || stream.decidedAt.get(e.getKey()) < shippedBy) {
                survive.put(e.getKey(), e.getValue());
                fromKilled += decidedByKilled ? 1 : 0;
            }
        }
        assertTrue(fromKilled > 0, "the killed node had decided before its kill");
        System.out.printf("ClusterFaultsIT kill: %d decision records read back from both survivors, %d of them decided on the killed node%n",
                survive.size(), fromKilled);
        return survive;
    }

    /** Each decision record is readable from each of {@code survivors}, as the decision it was. */
    static void assertDecisionRecordsReadable(Map<String, Node> records, List<Node> survivors) throws Exception {
        assertFalse(records.isEmpty());
        for (Map.Entry<String, Node> e : records.entrySet()) {
            for (Node n : survivors) {
                HttpResponse<String> r = get(n, "/v1/decisions/" + e.getKey(), TOKENS.get("gateway"));
                assertEquals(200, r.statusCode(), "decision " + e.getKey() + " of " + e.getValue() + " read on " + n + ": " + r.body());
                assertEquals("allow", new JsonObject(r.body()).getString("verdict"), r.body());
            }
        }
    }

    /** An approval without what differs from node to node when nothing changed: which member's deliveries show which retry state. */
    private static JsonObject without(JsonObject approval) {
        JsonObject copy = approval.copy();
        copy.remove("deliveries");
        return copy;
    }

    private static long heldOn(MixedStream stream, Node n) {
        return stream.held.values().stream().filter(h -> h.createdOn == n).count();
    }

    private static Map<String, Long> slowestByKind(MixedStream stream) {
        Map<String, Long> ms = new LinkedHashMap<>();
        stream.slowestByKind.forEach((kind, nanos) -> ms.put(kind, nanos.get() / 1_000_000));
        return ms;
    }

    private static Map<Integer, Long> slowest(MixedStream stream) {
        Map<Integer, Long> ms = new LinkedHashMap<>();
        stream.slowest.forEach((node, nanos) -> ms.put(node, nanos.get() / 1_000_000));
        return ms;
    }
}
