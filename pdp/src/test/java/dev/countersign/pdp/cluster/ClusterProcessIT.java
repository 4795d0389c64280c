package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes as operators run them: separate {@code java -jar countersign.jar serve} processes, each
 * with its own countersign.yaml (server port, cluster members, clients, reviewers). Node 1 holds
 * approvals and is killed with SIGKILL; the other two still have every approval, vote and grant, wake
 * a waiter on one with a vote on the other, use the grant exactly once, and expire what node 1 left.
 */
class ClusterProcessIT {
    static final Path JAR = Path.of(System.getProperty("countersign.jar", "target/countersign.jar"));
    /** The flags Hazelcast asks for on Java 17 (the parent pom's hazelcast.jvm.flags), when the test JVM was not given them. */
    static final List<String> HAZELCAST_FLAGS = List.of("--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789",
            "dan", "dan-token-0123456789", "erin", "erin-token-0123456789");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final List<Process> processes = new ArrayList<>();

    @TempDir
    static Path dir;

    record Node(int index, int port, Path home, Process process) {
        String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }

        String log() {
            try {
                String text = Files.readString(home.resolve("node.log"));
                return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }

    @AfterAll
    static void stopProcesses() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static String config(int index, int port, int clusterPort, List<String> members, String cluster, Path home) {
        StringBuilder clients = new StringBuilder();
        clients.append("  - {name: gateway, token_sha256: \"").append(Authenticator.sha256Hex(TOKENS.get("gateway"))).append("\", scopes: [decide]}\n");
        for (String reviewer : List.of("carol", "dan", "erin")) {
            clients.append("  - {name: ").append(reviewer).append(", token_sha256: \"").append(Authenticator.sha256Hex(TOKENS.get(reviewer)))
                    .append("\", scopes: [review], reviewer: ").append(reviewer).append("@example.com}\n");
        }
        return "server: {host: 127.0.0.1, port: " + port + ", event_loops: 1, node: node-" + index + "}\n"
                + "bundle: \"" + home.resolve("bundle") + "\"\n"
                + "data_dir: \"" + home.resolve("data") + "\"\n"
                + "reload: {watch: false}\n"
                + "clients:\n" + clients
                + "cluster:\n"
                + "  name: " + cluster + "\n"
                + "  host: 127.0.0.1\n"
                + "  port: " + clusterPort + "\n"
                + "  members: [" + String.join(", ", members.stream().map(m -> "\"" + m + "\"").toList()) + "]\n"
                + "  secret: \"${COUNTERSIGN_TEST_CLUSTER_SECRET}\"\n"
                + "reviewers:\n"
                + "  data-governance: [{id: carol@example.com}, {id: alice@example.com}]\n"
                + "  security: [{id: carol@example.com}, {id: dan@example.com}]\n"
                + "  sre: [{id: erin@example.com}]\n"
                + "approvals: {max_wait: PT30S, sweep_interval: PT0.2S}\n";
    }

    static List<String> jvmFlags() {
        List<String> given = new ArrayList<>();
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--add-modules")) {
                given.add(a);
                if (!a.contains("=") && i + 1 < args.size()) {
                    given.add(args.get(++i));
                }
            }
        }
        return given.stream().anyMatch(a -> a.startsWith("--add-modules")) ? given : HAZELCAST_FLAGS;
    }

    /** The secret the three processes share, given to each through the environment as an operator would. */
    static final String CLUSTER_SECRET = "it-secret-" + UUID.randomUUID();

    static Node start(int index, int port, int clusterPort, List<String> members, String cluster) throws Exception {
        Path home = dir.resolve("node-" + index);
        TestNode.copy(Path.of("src/test/resources/bundles/approvals"), home.resolve("bundle"));
        Path config = home.resolve("countersign.yaml");
        Files.writeString(config, config(index, port, clusterPort, members, cluster, home));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false",
                "-jar", JAR.toAbsolutePath().toString(), "serve", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve("node.log").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("COUNTERSIGN_"));
        builder.environment().put("COUNTERSIGN_TEST_CLUSTER_SECRET", CLUSTER_SECRET);
        Process process = builder.start();
        processes.add(process);
        return new Node(index, port, home, process);
    }

    static HttpResponse<String> get(Node node, String path, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(40)).GET();
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest post(Node node, String path, String body, String token) {
        return HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(40))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static JsonObject decide(Node node, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(post(node, "/v1/decisions", body, TOKENS.get("gateway")), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    static HttpResponse<String> vote(Node node, String id, String who, String choice) throws Exception {
        return HTTP.send(post(node, "/v1/approvals/" + id + "/votes", "{\"vote\": \"" + choice + "\"}", TOKENS.get(who)),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject approval(Node node, String id) throws Exception {
        HttpResponse<String> r = get(node, "/v1/approvals/" + id, TOKENS.get("gateway"));
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    /** Polls each node's readiness until it is ready in a cluster of {@code size}. */
    static void awaitReady(List<Node> nodes, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        for (Node n : nodes) {
            String last = "";
            while (true) {
                assertTrue(n.process().isAlive(), "node " + n.index() + " exited with " + (n.process().isAlive() ? "" : n.process().exitValue())
                        + ":\n" + n.log());
                try {
                    HttpResponse<String> r = get(n, "/health/ready", null);
                    last = r.body();
                    if (r.statusCode() == 200 && new JsonObject(r.body()).getJsonObject("checks").getJsonObject("cluster").getInteger("members") == size) {
                        break;
                    }
                } catch (IOException notListeningYet) {
                    last = notListeningYet.toString();
                }
                assertTrue(System.nanoTime() < deadline, "node " + n.index() + " not ready in a cluster of " + size + ": " + last + "\n" + n.log());
                Thread.sleep(200);
            }
        }
    }

    static String export(String intent) {
        return "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\", \"on_behalf_of\": \"alice@example.com\"},"
                + " \"action\": {\"name\": \"data.export\", \"intent\": \"" + intent + "\"}, \"resource\": {\"environment\": \"production\"}}";
    }

    static String withApproval(String body, String id) {
        return body.substring(0, body.length() - 1) + ", \"approval_id\": \"" + id + "\"}";
    }

    @Test
    void approvalsOutliveAKilledNodeProcess() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "build the jar first (mvn package): " + JAR);
        String cluster = "it-" + UUID.randomUUID();
        int[] ports = {freePort(), freePort(), freePort()};
        int[] clusterPorts = {freePort(), freePort(), freePort()};
        List<String> members = List.of("127.0.0.1:" + clusterPorts[0], "127.0.0.1:" + clusterPorts[1], "127.0.0.1:" + clusterPorts[2]);
        long started = System.nanoTime();
        // The first member forms the cluster; the others then join it (started together, they could form two).
        Node n1 = start(1, ports[0], clusterPorts[0], members, cluster);
        awaitReady(List.of(n1), 1);
        Node n2 = start(2, ports[1], clusterPorts[1], members, cluster);
        Node n3 = start(3, ports[2], clusterPorts[2], members, cluster);
        awaitReady(List.of(n1, n2, n3), 3);
        System.out.printf("ClusterProcessIT: three node processes ready in %d ms%n", (System.nanoTime() - started) / 1_000_000);

        // Node 1 holds enough approvals that its member owns some, votes on half of them, and makes a grant.
        Map<String, JsonObject> before = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            String id = decide(n1, "{\"actor\": {\"id\": \"frank@example.com\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                    + " \"grantee\": \"g" + i + "-" + UUID.randomUUID() + "\"}").getJsonObject("approval").getString("id");
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

        n1.process().destroyForcibly();
        assertTrue(n1.process().waitFor(30, TimeUnit.SECONDS), "node 1 was killed");
        assertEquals(137, n1.process().exitValue(), "killed by SIGKILL, not stopped");

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
            Path audit = n.home().resolve("data").resolve("audit");
            if (!Files.isDirectory(audit)) {
                continue;
            }
            try (Stream<Path> files = Files.list(audit)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                        if (line.contains(id) && line.endsWith("}")) {
                            JsonObject r = new JsonObject(line);
                            if ("expired".equals(r.getString("event")) && id.equals(r.getString("approval_id"))) {
                                found.merge("node-" + n.index(), 1L, Long::sum);
                            }
                        }
                    }
                }
            }
        }
        return found;
    }
}
