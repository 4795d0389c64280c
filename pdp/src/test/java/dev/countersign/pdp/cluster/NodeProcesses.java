package dev.countersign.pdp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.server.NodeJvmFlags;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A cluster of Countersign nodes as operators run them: separate {@code java -jar countersign.jar serve}
 * processes on loopback, each with its own home (countersign.yaml, a copy of the test bundle
 * {@code bundles/approvals}, its data directory and {@code node.log}), listing each other as members and
 * sharing a secret given through the environment. A node started again keeps its home, so it restarts on
 * the same data and audit log. Clients: {@code gateway} (decide) and the reviewers carol, dan and erin.
 */
final class NodeProcesses implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("countersign.jar", "target/countersign.jar"));
    static final Map<String, String> TOKENS = Map.of("gateway", "gateway-token-0123456789", "carol", "carol-token-0123456789",
            "dan", "dan-token-0123456789", "erin", "erin-token-0123456789");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One node: its HTTP port and home; {@link #process()} is the current process (a restart replaces it). */
    static final class Node {
        final int index;
        final int port;
        final Path home;
        volatile Process process;

        Node(int index, int port, Path home) {
            this.index = index;
            this.port = port;
            this.home = home;
        }

        int index() {
            return index;
        }

        Path home() {
            return home;
        }

        Process process() {
            return process;
        }

        String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }

        /** The last few thousand characters of the node's output, for failure messages. */
        String log() {
            try {
                String text = Files.readString(home.resolve("node.log"));
                return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        /**
         * The last {@code max} lines of the node's output logged at ERROR, each with the stack trace that
         * follows it, for failure messages: the cause of an answer 500 is logged there, not answered.
         */
        String errors(int max) {
            List<String> found = new ArrayList<>();
            try {
                List<String> lines = Files.readAllLines(home.resolve("node.log"));
                for (int i = 0; i < lines.size(); i++) {
                    if (!lines.get(i).contains(" ERROR ")) {
                        continue;
                    }
                    StringBuilder entry = new StringBuilder(lines.get(i));
                    for (int j = i + 1; j < lines.size() && j < i + 40 && isContinuation(lines.get(j)); j++) {
                        entry.append('\n').append(lines.get(j));
                    }
                    found.add(entry.toString());
                }
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
            List<String> last = found.subList(Math.max(0, found.size() - max), found.size());
            return this + ": " + (last.isEmpty() ? "no ERROR lines" : String.join("\n", last));
        }

        private static boolean isContinuation(String line) {
            return line.startsWith("\t") || line.startsWith("Caused by") || line.startsWith("    ") || line.startsWith("...")
                    || line.matches("^[a-zA-Z_$][\\w.$]*(Exception|Error)(:.*)?$");
        }

        @Override
        public String toString() {
            return "node-" + index;
        }
    }

    /** The secret the processes share, given to each through the environment as an operator would. */
    private final String secret = "it-secret-" + UUID.randomUUID();
    private final String cluster = "it-" + UUID.randomUUID();
    private final Path dir;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Process> started = new ArrayList<>();
    private final List<String> members = new ArrayList<>();
    private final int[] clusterPorts;
    private final String extraConfig;
    /** Environment variables every node process gets besides the cluster secret (such as a database password). */
    final Map<String, String> environment = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code size} nodes (not yet started) under {@code dir}; {@code extraConfig} is appended to each
     * countersign.yaml (top-level keys that the base configuration does not set, or "").
     */
    NodeProcesses(Path dir, int size, String extraConfig) throws IOException {
        assertTrue(Files.isRegularFile(JAR), "build the jar first (mvn package): " + JAR);
        this.dir = dir;
        this.extraConfig = extraConfig;
        clusterPorts = new int[size];
        for (int i = 0; i < size; i++) {
            clusterPorts[i] = TestNode.freePort();
            members.add("127.0.0.1:" + clusterPorts[i]);
        }
        for (int i = 0; i < size; i++) {
            nodes.add(new Node(i + 1, TestNode.freePort(), dir.resolve("node-" + (i + 1))));
        }
    }

    /** Node {@code index}, counting from 1. */
    Node node(int index) {
        return nodes.get(index - 1);
    }

    /**
     * Starts every node and waits until each is ready in a cluster of all of them. The first member
     * forms the cluster and the others then join it (started together, they could form two).
     */
    List<Node> startAll() throws Exception {
        start(node(1));
        awaitReady(List.of(node(1)), 1);
        for (Node n : nodes.subList(1, nodes.size())) {
            start(n);
        }
        awaitReady(nodes, nodes.size());
        return List.copyOf(nodes);
    }

    /** Starts {@code n}'s process (again, after it stopped), on its home; its output is appended to node.log. */
    Node start(Node n) throws Exception {
        Path config = n.home.resolve("countersign.yaml");
        if (!Files.exists(config)) {
            TestNode.copy(Path.of("src/test/resources/bundles/approvals"), n.home.resolve("bundle"));
            Files.writeString(config, config(n) + extraConfig);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(NodeJvmFlags.forNodeProcess());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false",
                "-jar", JAR.toAbsolutePath().toString(), "serve", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(n.home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(n.home.resolve("node.log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("COUNTERSIGN_"));
        builder.environment().put("COUNTERSIGN_TEST_CLUSTER_SECRET", secret);
        builder.environment().putAll(environment);
        n.process = builder.start();
        synchronized (started) {
            started.add(n.process);
        }
        return n;
    }

    /** Kills {@code n}'s process with SIGKILL and waits for it to be gone. */
    static void kill(Node n) throws InterruptedException {
        n.process.destroyForcibly();
        assertTrue(n.process.waitFor(30, TimeUnit.SECONDS), n + " was killed");
        assertEquals(137, n.process.exitValue(), n + " killed by SIGKILL, not stopped");
    }

    /** Sends {@code signal} (STOP, CONT, TERM) to {@code n}'s process. */
    static void signal(Node n, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(n.process.pid())).redirectErrorStream(true).start();
        String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + n + ": " + said);
    }

    /** Polls each node's readiness until it is ready in a cluster of {@code size} members. */
    static void awaitReady(List<Node> nodes, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        for (Node n : nodes) {
            String last = "";
            while (true) {
                Process p = n.process;
                assertTrue(p.isAlive(), n + " exited with " + (p.isAlive() ? "" : p.exitValue()) + ":\n" + n.log());
                try {
                    HttpResponse<String> r = get(n, "/health/ready", null);
                    last = r.body();
                    if (r.statusCode() == 200 && new JsonObject(r.body()).getJsonObject("checks").getJsonObject("cluster").getInteger("members") == size) {
                        break;
                    }
                } catch (IOException notListeningYet) {
                    last = notListeningYet.toString();
                }
                assertTrue(System.nanoTime() < deadline, n + " not ready in a cluster of " + size + ": " + last + "\n" + n.log());
                Thread.sleep(200);
            }
        }
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

    /** {@code POST /v1/decisions} as the gateway. */
    static HttpResponse<String> sendDecision(Node node, String body) throws Exception {
        return HTTP.send(post(node, "/v1/decisions", body, TOKENS.get("gateway")), HttpResponse.BodyHandlers.ofString());
    }

    /** A decision that must be answered 200. */
    static JsonObject decide(Node node, String body) throws Exception {
        HttpResponse<String> r = sendDecision(node, body);
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    static HttpResponse<String> vote(Node node, String id, String who, String choice) throws Exception {
        return HTTP.send(post(node, "/v1/approvals/" + id + "/votes", "{\"vote\": \"" + choice + "\"}", TOKENS.get(who)),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * An approval that must be answered 200. A 503 with {@code Retry-After} (the node standing badly in
     * its cluster for a moment, as just after a member was killed) is asked again, as its caller is told
     * to, for up to 20 s; the streams that must see no error at all do not read through here.
     */
    static JsonObject approval(Node node, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HttpResponse<String> r = get(node, "/v1/approvals/" + id, TOKENS.get("gateway"));
        while (r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(500);
            r = get(node, "/v1/approvals/" + id, TOKENS.get("gateway"));
        }
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    /** An agent's production export (held for data-governance, one approver). */
    static String export(String intent) {
        return "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\", \"on_behalf_of\": \"alice@example.com\"},"
                + " \"action\": {\"name\": \"data.export\", \"intent\": \"" + intent + "\"}, \"resource\": {\"environment\": \"production\"}}";
    }

    /** A role grant (held for security, two approvers). */
    static String roleGrant(String grantee) {
        return "{\"actor\": {\"id\": \"frank@example.com\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                + " \"grantee\": \"" + grantee + "\"}";
    }

    /** A read (allowed by the rules). */
    static String read(String intent) {
        return "{\"actor\": {\"id\": \"agent:reader\", \"type\": \"agent\"}, \"action\": {\"name\": \"data.read\", \"intent\": \""
                + intent + "\"}}";
    }

    static String withApproval(String body, String id) {
        return body.substring(0, body.length() - 1) + ", \"approval_id\": \"" + id + "\"}";
    }

    /** The audit records of each node's audit log (every node's, including nodes no longer running), as JSON, by node. */
    List<JsonObject> auditRecords(Node n) throws IOException {
        Path audit = n.home.resolve("data").resolve("audit");
        List<JsonObject> found = new ArrayList<>();
        if (!Files.isDirectory(audit)) {
            return found;
        }
        try (Stream<Path> files = Files.list(audit)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (line.endsWith("}")) {
                        found.add(new JsonObject(line));
                    }
                }
            }
        }
        return found;
    }

    List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** Kills every process started (SIGKILL works on a stopped process too). */
    @Override
    public void close() throws InterruptedException {
        List<Process> all;
        synchronized (started) {
            all = List.copyOf(started);
        }
        for (Process p : all) {
            p.destroyForcibly();
        }
        for (Process p : all) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }


    private String config(Node n) {
        StringBuilder clients = new StringBuilder();
        clients.append("  - {name: gateway, token_sha256: \"").append(Authenticator.sha256Hex(TOKENS.get("gateway"))).append("\", scopes: [decide]}\n");
        for (String reviewer : List.of("carol", "dan", "erin")) {
            clients.append("  - {name: ").append(reviewer).append(", token_sha256: \"").append(Authenticator.sha256Hex(TOKENS.get(reviewer)))
                    .append("\", scopes: [review], reviewer: ").append(reviewer).append("@example.com}\n");
        }
        return "server: {host: 127.0.0.1, port: " + n.port + ", event_loops: 1, node: node-" + n.index + "}\n"
                + "bundle: \"" + n.home.resolve("bundle") + "\"\n"
                + "data_dir: \"" + n.home.resolve("data") + "\"\n"
                + "reload: {watch: false}\n"
                + "clients:\n" + clients
                + "cluster:\n"
                + "  name: " + cluster + "\n"
                + "  host: 127.0.0.1\n"
                + "  port: " + clusterPorts[n.index - 1] + "\n"
                + "  members: [" + String.join(", ", members.stream().map(m -> "\"" + m + "\"").toList()) + "]\n"
                + "  secret: \"${COUNTERSIGN_TEST_CLUSTER_SECRET}\"\n"
                + "reviewers:\n"
                + "  data-governance: [{id: carol@example.com}, {id: alice@example.com}]\n"
                + "  security: [{id: carol@example.com}, {id: dan@example.com}]\n"
                + "  sre: [{id: erin@example.com}]\n"
                + "approvals: {max_wait: PT30S, sweep_interval: PT0.2S}\n"
                + (extraConfig.contains("store:") ? "" : "store: {kind: memory}\n");
    }

}
