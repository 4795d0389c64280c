package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.decision.ClusterDecisionRecords;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decision records outlive the node that decided them: real nodes, each its own embedded Hazelcast
 * member, one cluster. A record reaches another member shortly after it is decided, is read from
 * every survivor once its node is killed, gets a second copy again, and survives a second loss;
 * replicas are held to the holder's {@code decisions.max_records} and {@code decisions.retention};
 * a node alone ships nothing.
 */
class DecisionReplicationTest {
    static final String GATEWAY = TestNode.TOKENS.get("gateway");
    /** Another client that may decide and read decisions, but not this one's. */
    static final String OTHER = "other-agent-token-0123456789";
    static final String DENY = """
            {"actor": {"id": "agent:etl-bot", "type": "agent"}, "action": {"name": "data.export", "intent": "%s"},
             "resource": {"classification": "pii", "environment": "production", "region": "eu-west-1"}, "target": {"region": "us-east-1"}}""";

    @TempDir
    Path dir;
    final List<TestNode> nodes = new ArrayList<>();
    final ClusterSecret secret = ClusterSecret.generate();

    @AfterEach
    void stop() {
        for (TestNode n : nodes) {
            close(n);
        }
    }

    static void close(TestNode n) {
        try {
            n.close();
        } catch (Exception e) {
            // a crashed node's server is already gone
        }
    }

    /** {@code count} nodes of one new cluster, started in order (so the member order is theirs), once all see each other. */
    List<TestNode> cluster(int count, Duration retention, int maxRecords) throws Exception {
        String name = "records-" + UUID.randomUUID();
        List<String> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            members.add("127.0.0.1:" + TestNode.freePort());
        }
        for (int i = 0; i < count; i++) {
            int port = Integer.parseInt(members.get(i).split(":")[1]);
            ServerConfig config = TestNode.config(dir.resolve("node-" + i), Path.of("../policies"), clients(), List.of())
                    .withNode("node-" + i)
                    .withCluster(new ClusterSettings(name, "127.0.0.1", port, count == 1 ? List.of() : members, null, 1).withSecret(secret))
                    .withDecisionRecords(retention, maxRecords);
            nodes.add(TestNode.start(config));
        }
        await("the nodes form one cluster", Duration.ofSeconds(60), () -> nodes.stream().allMatch(n ->
                n.server.hazelcast().getCluster().getMembers().size() == count && n.server.hazelcast().getPartitionService().isClusterSafe()));
        return List.copyOf(nodes);
    }

    static List<ClientConfig> clients() {
        List<ClientConfig> clients = new ArrayList<>(TestNode.withClients());
        clients.add(new ClientConfig("other-agent", Authenticator.sha256Hex(OTHER), EnumSet.of(Scope.DECIDE), null));
        return clients;
    }

    static void await(String what, Duration bound, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " (not within " + bound + ")");
            Thread.sleep(10);
        }
    }

    static String decide(TestNode node, String tag) throws Exception {
        HttpResponse<Buffer> r = node.post("/v1/decisions", DENY.formatted(tag), GATEWAY);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("deny", r.bodyAsJsonObject().getString("verdict"), r.bodyAsString());
        return r.bodyAsJsonObject().getString("decision_id");
    }

    static ClusterDecisionRecords records(TestNode node) {
        return node.server.decisionRecords();
    }

    static void assertReadable(TestNode node, String id, String decidedBy) throws Exception {
        HttpResponse<Buffer> r = node.get("/v1/decisions/" + id, GATEWAY);
        assertEquals(200, r.statusCode(), node.server.config().node() + ": " + r.bodyAsString());
        JsonObject record = r.bodyAsJsonObject();
        assertEquals(id, record.getString("decision_id"));
        assertEquals("deny", record.getString("verdict"));
        assertEquals(decidedBy, record.getString("node"));
        assertEquals("gateway", record.getString("caller"));
        HttpResponse<Buffer> other = node.get("/v1/decisions/" + id, OTHER);
        assertEquals(404, other.statusCode(), "a replica is readable only by those the record belongs to: " + other.bodyAsString());
    }

    @Test
    void aDecisionIsReadFromEverySurvivorAfterItsNodeIsKilledAndAfterASecondLoss() throws Exception {
        List<TestNode> all = cluster(3, Duration.ofHours(1), 10_000);
        TestNode a = all.get(0);
        String first = decide(a, "first " + UUID.randomUUID());
        long firstAt = System.nanoTime();
        await("the first record reaches another member", Duration.ofSeconds(10),
                () -> records(all.get(1)).holds(first) || records(all.get(2)).holds(first));
        long firstMillis = (System.nanoTime() - firstAt) / 1_000_000;
        String id = decide(a, "replicated " + UUID.randomUUID());
        long decidedAt = System.nanoTime();
        await("the record reaches another member", Duration.ofSeconds(10),
                () -> records(all.get(1)).holds(id) || records(all.get(2)).holds(id));
        System.out.printf("DecisionReplicationTest: a record reached its backup %d ms after its answer (the first one, over a new"
                + " connection: %d ms)%n", (System.nanoTime() - decidedAt) / 1_000_000, firstMillis);
        TestNode backup = records(all.get(1)).holds(id) ? all.get(1) : all.get(2);
        TestNode third = backup == all.get(1) ? all.get(2) : all.get(1);
        assertFalse(records(third).holds(id), "one backup only: " + third.server.config().node() + " holds it too");

        a.server.crash();
        assertReadable(backup, id, "node-0");
        assertReadable(third, id, "node-0");   // asked of the others

        await("the survivor that holds the only copy ships it to the other", Duration.ofSeconds(30), () -> records(third).holds(id));
        backup.server.crash();
        assertReadable(third, id, "node-0");
        assertTrue(records(third).holds(id));
    }

    @Test
    void replicasAreHeldToTheHoldersMaxRecordsAndRetention() throws Exception {
        List<TestNode> all = cluster(2, Duration.ofSeconds(5), 4);
        TestNode a = all.get(0);
        TestNode b = all.get(1);
        // Shipping under way first (the members have met, each sees the other's subscriptions), so that
        // what follows is about the bounds alone.
        String first = decide(a, "before the bounded ones");
        await("a first record reaches the backup", Duration.ofSeconds(10), () -> records(b).holds(first));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(decide(a, "bounded " + i));
        }
        String last = ids.get(9);
        await("the last record reaches the backup", Duration.ofSeconds(10), () -> records(b).holds(last));
        await("every batch is acknowledged (a batch refused as the members met is shipped again)", Duration.ofSeconds(10),
                () -> records(a).settled());
        assertTrue(records(b).local().size() <= 4, "the backup holds at most max_records: " + records(b).local().size());
        assertTrue(records(a).local().size() <= 4, "so does the node that decided: " + records(a).local().size());
        for (String id : ids.subList(0, 6)) {
            assertFalse(records(b).holds(id), "the first records were evicted on the backup too: " + id + " (decided "
                    + ids.indexOf(id) + "th); the backup holds the ones decided " + heldOf(b, ids) + ", the decider " + heldOf(a, ids));
        }
        await("replicas are forgotten when the retention is over", Duration.ofSeconds(20),
                () -> records(b).local().size() == 0 && records(a).local().size() == 0);
        assertEquals(404, a.get("/v1/decisions/" + last, GATEWAY).statusCode());
        assertEquals(404, b.get("/v1/decisions/" + last, GATEWAY).statusCode());
    }

    @Test
    void aBackupWhoseSubscriptionTheClusterLostRegistersItAgain() throws Exception {
        List<TestNode> all = cluster(2, Duration.ofHours(1), 1_000);
        TestNode a = all.get(0);
        TestNode b = all.get(1);
        String first = decide(a, "before the loss " + UUID.randomUUID());
        await("a record reaches the backup", Duration.ofSeconds(10), () -> records(b).holds(first));

        // What a subscription lost in a migration leaves: the cluster's map without b's registrations.
        ClusterManager manager = ((VertxInternal) b.server.vertx()).clusterManager();
        for (String address : List.of("countersign.decision-replicas." + manager.getNodeId(), "countersign.decisions." + manager.getNodeId())) {
            for (RegistrationInfo registration : registrations(manager, address)) {
                Promise<Void> removed = Promise.promise();
                manager.removeRegistration(address, registration, removed);
                removed.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            assertTrue(registrations(manager, address).isEmpty(), "removed: " + address);
        }
        String after = decide(a, "after the loss " + UUID.randomUUID());
        await("the backup registers again and the record reaches it", Duration.ofSeconds(20), () -> records(b).holds(after));
        assertFalse(registrations(manager, "countersign.decision-replicas." + manager.getNodeId()).isEmpty());
    }

    /** Which of {@code ids} (by their place in it) {@code node} holds. */
    static List<Integer> heldOf(TestNode node, List<String> ids) {
        List<Integer> held = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (records(node).holds(ids.get(i))) {
                held.add(i);
            }
        }
        return held;
    }

    static List<RegistrationInfo> registrations(ClusterManager manager, String address) throws Exception {
        Promise<List<RegistrationInfo>> found = Promise.promise();
        manager.getRegistrations(address, found);
        return found.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aNodeAloneShipsNothing() throws Exception {
        TestNode alone = cluster(1, Duration.ofHours(1), 1_000).get(0);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(decide(alone, "alone " + i));
        }
        alone.server.audit().flush();   // every record is serialised, so each would have been queued by now
        ClusterDecisionRecords records = records(alone);
        assertNull(records.backup());
        assertEquals(0, records.queued(), "nothing is queued for replication");
        assertEquals(0, records.shippedBatches());
        assertEquals(0, records.local().replicas());
        for (String id : ids) {
            assertReadable(alone, id, "node-0");
        }
    }
}
