package dev.countersign.pdp.cluster;

import static dev.countersign.pdp.cluster.NodeProcesses.approval;
import static dev.countersign.pdp.cluster.NodeProcesses.decide;
import static dev.countersign.pdp.cluster.NodeProcesses.export;
import static dev.countersign.pdp.cluster.NodeProcesses.roleGrant;
import static dev.countersign.pdp.cluster.NodeProcesses.vote;
import static dev.countersign.pdp.cluster.NodeProcesses.withApproval;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.countersign.pdp.cluster.NodeProcesses.Node;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node process killed with SIGKILL at once, mid-approval, and started again on its home: three
 * members sharing one real PostgreSQL database, and one node alone on its embedded store. After the
 * restart every approval, vote and grant is as before; a grant used before is used, an unused one is
 * usable once; an approval whose ttl ran out while everything was down is expired once (one audit
 * record, one event); and an event one destination had not yet taken (a "half-delivered" event: the
 * other destination had it) is delivered to it once, and to the other not again.
 */
class DurableRestartIT {
    @TempDir
    Path dir;

    /** Two webhook destinations on 127.0.0.1: {@code /ok} answers 204; {@code /flaky} answers 503 while {@link #refusing}. */
    static final class Destinations implements AutoCloseable {
        final Map<String, AtomicInteger> ok = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> flaky = new ConcurrentHashMap<>();
        volatile boolean refusing = true;
        private final HttpServer server;

        Destinations() throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setExecutor(Executors.newFixedThreadPool(4));
            server.createContext("/", exchange -> {
                try (exchange) {
                    exchange.getRequestBody().readAllBytes();
                    String event = exchange.getRequestHeaders().getFirst("X-Countersign-Event");
                    boolean isFlaky = exchange.getRequestURI().getPath().equals("/flaky");
                    if (isFlaky && refusing) {
                        exchange.sendResponseHeaders(503, -1);
                        return;
                    }
                    (isFlaky ? flaky : ok).computeIfAbsent(String.valueOf(event), k -> new AtomicInteger()).incrementAndGet();
                    exchange.sendResponseHeaders(204, -1);
                }
            });
            server.start();
        }

        String config() {
            int port = server.getAddress().getPort();
            return "connectors: {webhook: {secret: \"it-webhook-secret-0123456789\", hosts: [\"127.0.0.1:" + port + "\"]}}\n"
                    + "routes: {\"*\": [\"webhook:http://127.0.0.1:" + port + "/ok\", \"webhook:http://127.0.0.1:" + port + "/flaky\"]}\n";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void threeMembersOnOnePostgresKilledAtOnceComeBackAsTheyWere() throws Exception {
        try (TestPostgres pg = TestPostgres.start(); Destinations destinations = new Destinations()) {
            String url = pg.createDatabase();
            NodeProcesses cluster = new NodeProcesses(dir, 3, destinations.config() + "store: {postgres: {url: \"" + url
                    + "\", user: " + TestPostgres.USER + ", password: \"${PG_PASSWORD}\", pool: 4}}\n");
            cluster.environment.put("PG_PASSWORD", pg.password);
            try (cluster) {
                killedAtOnceAndRestarted(cluster, destinations);
            }
        }
    }

    @Test
    void aNodeAloneKilledComesBackFromItsDataDirectory() throws Exception {
        try (Destinations destinations = new Destinations();
             NodeProcesses alone = new NodeProcesses(dir, 1, destinations.config() + "store: {kind: embedded}\n")) {
            killedAtOnceAndRestarted(alone, destinations);
        }
    }

    private static JsonObject withoutDeliveries(JsonObject approval) {
        JsonObject copy = approval.copy();
        copy.remove("deliveries");
        return copy;
    }

    private void killedAtOnceAndRestarted(NodeProcesses cluster, Destinations destinations) throws Exception {
        List<Node> nodes = cluster.startAll();
        Node first = nodes.get(0);
        Node last = nodes.get(nodes.size() - 1);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Node n = nodes.get(i % nodes.size());
            String id = decide(n, roleGrant("restart-" + i + "-" + UUID.randomUUID())).getJsonObject("approval").getString("id");
            if (i % 2 == 0) {
                assertEquals(200, vote(n, id, "carol", "approve").statusCode(), "half-voted " + id);
            }
            ids.add(id);
        }
        String unusedBody = export("unused grant " + UUID.randomUUID());
        String unused = decide(last, unusedBody).getJsonObject("approval").getString("id");
        assertEquals(200, vote(first, unused, "carol", "approve").statusCode());
        String usedBody = export("used grant " + UUID.randomUUID());
        String used = decide(first, usedBody).getJsonObject("approval").getString("id");
        assertEquals(200, vote(last, used, "carol", "approve").statusCode());
        assertEquals("allow", decide(last, withApproval(usedBody, used)).getString("verdict"), "the grant is used before the kill");
        ids.add(unused);
        ids.add(used);
        List<String> quick = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            quick.add(decide(nodes.get(i % nodes.size()), "{\"actor\": {\"id\": \"bot\", \"type\": \"agent\"}, \"action\": {\"name\":"
                    + " \"quick.hold\", \"intent\": \"restart " + i + UUID.randomUUID() + "\"}}").getJsonObject("approval").getString("id"));
        }
        Map<String, JsonObject> before = new LinkedHashMap<>();
        for (String id : ids) {
            before.put(id, withoutDeliveries(approval(first, id)));
        }
        // Every event reaches /ok; /flaky refuses, so each is delivered to one destination of two when the nodes die.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (destinations.ok.keySet().stream().map(e -> e.substring(0, e.indexOf(':'))).distinct().count() < ids.size() + quick.size()) {
            assertTrue(System.nanoTime() < deadline, "every approval's events reach /ok: " + destinations.ok.keySet());
            Thread.sleep(100);
        }
        Thread.sleep(1500);   // quiet: what /ok answered is recorded as delivered
        assertTrue(destinations.flaky.isEmpty(), "nothing reached /flaky yet");
        Set<String> deliveredBeforeKill = Set.copyOf(destinations.ok.keySet());

        for (Node n : nodes) {
            n.process().destroyForcibly();
        }
        for (Node n : nodes) {
            assertTrue(n.process().waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, n.process().exitValue(), n + " killed by SIGKILL");
        }
        Thread.sleep(1500);   // the quick holds' ttl (1 s) runs out while every node is down
        destinations.refusing = false;
        cluster.startAll();

        for (Map.Entry<String, JsonObject> e : before.entrySet()) {
            assertEquals(e.getValue(), withoutDeliveries(approval(last, e.getKey())), "as before the kill: " + e.getKey());
        }
        JsonObject again = decide(first, withApproval(usedBody, used));
        assertEquals("deny", again.getString("verdict"), "a grant used before the kill stays used: " + again.encode());
        assertEquals("allow", decide(last, withApproval(unusedBody, unused)).getString("verdict"), "an unused grant is usable");
        assertEquals("deny", decide(first, withApproval(unusedBody, unused)).getString("verdict"), "once");
        String halfVoted = ids.get(0);
        assertEquals("approved", new JsonObject(vote(last, halfVoted, "dan", "approve").body()).getString("status"),
                "a vote before the kill still counts");

        for (String id : quick) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!"expired".equals(approval(first, id).getString("status"))) {
                assertTrue(System.nanoTime() < until, "expired after the restart: " + id);
                Thread.sleep(100);
            }
        }
        // Every event reaches both destinations, each once.
        // (a delivery refused before the kill waits out its backoff, up to 32 s after five refusals, from the time it was refused)
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!destinations.flaky.keySet().containsAll(destinations.ok.keySet())
                || !destinations.ok.keySet().containsAll(destinations.flaky.keySet())) {
            if (System.nanoTime() > deadline) {
                StringBuilder missing = new StringBuilder();
                for (String event : destinations.ok.keySet()) {
                    if (!destinations.flaky.containsKey(event)) {
                        String id = event.substring(0, event.indexOf(':'));
                        missing.append("\n ").append(event).append(": ").append(approval(first, id).getValue("deliveries"));
                    }
                }
                throw new AssertionError("every event delivered to both destinations after the restart; not to /flaky:" + missing);
            }
            Thread.sleep(200);
        }
        Thread.sleep(2000);   // a repeat would show by now
        assertTrue(destinations.flaky.keySet().containsAll(deliveredBeforeKill), "the undelivered events were delivered");
        destinations.ok.forEach((event, count) -> assertEquals(1, count.get(), "/ok took " + event + " once"));
        destinations.flaky.forEach((event, count) -> assertEquals(1, count.get(), "/flaky took " + event + " once"));
        for (String id : quick) {
            long expired = 0;
            for (Node n : nodes) {
                expired += cluster.auditRecords(n).stream().filter(r -> "expired".equals(r.getString("event"))
                        && id.equals(r.getString("approval_id"))).count();
            }
            assertEquals(1, expired, "expired once, audited once: " + id);
            assertEquals(1, destinations.ok.keySet().stream().filter(e -> e.startsWith(id + ":")).count() - 1,
                    "its creation and its expiry, each posted once: " + id);
        }
    }
}
