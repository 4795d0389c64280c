package dev.countersign.pdp.cluster;

import static dev.countersign.pdp.cluster.NodeProcesses.HTTP;
import static dev.countersign.pdp.cluster.NodeProcesses.TOKENS;
import static dev.countersign.pdp.cluster.NodeProcesses.approval;
import static dev.countersign.pdp.cluster.NodeProcesses.decide;
import static dev.countersign.pdp.cluster.NodeProcesses.export;
import static dev.countersign.pdp.cluster.NodeProcesses.roleGrant;
import static dev.countersign.pdp.cluster.NodeProcesses.vote;
import static dev.countersign.pdp.cluster.NodeProcesses.withApproval;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.cluster.NodeProcesses.Node;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes as operators run them (see {@link NodeProcesses}): separate {@code java -jar countersign.jar serve}
 * processes, each with its own countersign.yaml (server port, cluster members, clients, reviewers). Node 1 holds
 * approvals and is killed with SIGKILL; the other two still have every approval, vote and grant, wake
 * a waiter on one with a vote on the other, use the grant exactly once, and expire what node 1 left.
 */
class ClusterProcessIT {
    @TempDir
    static Path dir;
    static NodeProcesses cluster;

    @AfterAll
    static void stopProcesses() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void approvalsOutliveAKilledNodeProcess() throws Exception {
        long started = System.nanoTime();
        cluster = new NodeProcesses(dir, 3, "");
        List<Node> nodes = cluster.startAll();
        Node n1 = nodes.get(0);
        Node n2 = nodes.get(1);
        Node n3 = nodes.get(2);
        System.out.printf("ClusterProcessIT: three node processes ready in %d ms%n", (System.nanoTime() - started) / 1_000_000);

        // Node 1 holds enough approvals that its member owns some, votes on half of them, and makes a grant.
        Map<String, JsonObject> before = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            String id = decide(n1, roleGrant("g" + i + "-" + UUID.randomUUID())).getJsonObject("approval").getString("id");
            if (i % 2 == 0) {
                assertEquals(200, vote(n1, id, "carol", "approve").statusCode());
            }
            before.put(id, approval(n1, id));
        }
        String body = export("process it " + UUID.randomUUID());
        JsonObject held = decide(n1, body);
        assertEquals("needs_approval", held.getString("verdict"), held.encode());
        String id = held.getJsonObject("approval").getString("id");
        List<String> shortHolds = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            shortHolds.add(decide(n1, "{\"actor\": {\"id\": \"bot\", \"type\": \"agent\"}, \"action\": {\"name\": \"quick.hold\", \"intent\": \"it "
                    + i + UUID.randomUUID() + "\"}}").getJsonObject("approval").getString("id"));
        }

        NodeProcesses.kill(n1);

        for (Map.Entry<String, JsonObject> e : before.entrySet()) {
            assertEquals(e.getValue(), approval(n2, e.getKey()), "intact on node 2 after node 1 was killed: " + e.getKey());
        }

        CompletableFuture<HttpResponse<String>> waiter = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(n3.url("/v1/approvals/" + id + "?wait=30s")))
                .timeout(Duration.ofSeconds(40)).header("Authorization", "Bearer " + TOKENS.get("gateway")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        assertFalse(waiter.isDone(), "the waiter on node 3 waits: " + (waiter.isDone() ? waiter.join().body() : ""));
        long voted = System.nanoTime();
        HttpResponse<String> vote = vote(n2, id, "carol", "approve");
        assertEquals(200, vote.statusCode(), vote.body());
        JsonObject woken = new JsonObject(waiter.get(10, TimeUnit.SECONDS).body());
        System.out.printf("ClusterProcessIT: vote on node 2 -> waiter on node 3 answered in %.1f ms%n", (System.nanoTime() - voted) / 1e6);
        assertEquals("approved", woken.getString("status"), woken.encode());
        assertEquals("node-1", woken.getString("created_by"));
        assertEquals("node-2", woken.getJsonArray("votes").getJsonObject(0).getString("node"));

        JsonObject redeemed = decide(n3, withApproval(body, id));
        assertEquals("allow", redeemed.getString("verdict"), redeemed.encode());
        JsonObject again = decide(n3, withApproval(body, id));
        assertEquals("deny", again.getString("verdict"), again.encode());
        assertTrue(again.getJsonArray("reasons").getJsonObject(0).getString("message").contains("already used"), again.encode());
        assertEquals("deny", decide(n2, withApproval(body, id)).getString("verdict"), "used up on every node");

        // A half-voted approval from node 1 is decided by the second approver on node 3.
        String halfVoted = before.keySet().iterator().next();
        assertEquals("approved", new JsonObject(vote(n3, halfVoted, "dan", "approve").body()).getString("status"));

        // What node 1 held for a second expires on the survivors, each exactly once.
        for (String shortHold : shortHolds) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (true) {
                Map<String, Long> expired = expiredEvents(List.of(n1, n2, n3), shortHold);
                if (!expired.isEmpty()) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "never expired: " + shortHold);
                Thread.sleep(100);
            }
        }
        Thread.sleep(1500); // several sweep intervals: a second expiry would show by now
        for (String shortHold : shortHolds) {
            Map<String, Long> expired = expiredEvents(List.of(n1, n2, n3), shortHold);
            assertEquals(1L, expired.values().stream().mapToLong(Long::longValue).sum(), "expired once cluster-wide: " + shortHold + " " + expired);
            assertEquals("expired", approval(n3, shortHold).getString("status"));
        }
        assertTrue(n2.process().isAlive() && n3.process().isAlive());
    }

    /** How many 'expired' audit events of {@code id} each node's audit log holds, by node. */
    static Map<String, Long> expiredEvents(List<Node> nodes, String id) throws IOException {
        Map<String, Long> found = new LinkedHashMap<>();
        for (Node n : nodes) {
            for (JsonObject r : cluster.auditRecords(n)) {
                if ("expired".equals(r.getString("event")) && id.equals(r.getString("approval_id"))) {
                    found.merge(n.toString(), 1L, Long::sum);
                }
            }
        }
        return found;
    }
}
