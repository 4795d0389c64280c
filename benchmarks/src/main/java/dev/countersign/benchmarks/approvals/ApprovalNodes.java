package dev.countersign.benchmarks.approvals;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Countersign members as separate processes ({@code java -jar countersign.jar serve}) on loopback,
 * each with its own home (countersign.yaml, data directory, node.log), listing each other as cluster
 * members, sharing a secret given through the environment and keeping approvals in memory
 * ({@code store: {kind: memory}}: with one backup on another member). Clients: {@code agent-<i>}
 * (decide) for {@code agents} agents, carol (review, data-governance) and admin.
 *
 * <p>Closing kills every process it started and only those.
 */
final class ApprovalNodes implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** The flags Hazelcast asks for on Java 17 (the parent pom's hazelcast.jvm.flags). */
    private static final List<String> HAZELCAST_FLAGS = List.of("--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

    /** One member: its ports, home and process. */
    static final class Node {
        final int index;
        final int port;
        final int clusterPort;
        final Path home;
        Process process;

        Node(int index, int port, int clusterPort, Path home) {
            this.index = index;
            this.port = port;
            this.clusterPort = clusterPort;
            this.home = home;
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        @Override
        public String toString() {
            return "node-" + index;
        }
    }

    private final String runId = UUID.randomUUID().toString();
    private final Path jar;
    private final Path bundle;
    private final int agents;
    private final String extraConfig;
    private final List<String> jvmOptions;
    final List<Node> nodes = new ArrayList<>();

    /**
     * @param size        members (1 makes a node alone, with no cluster list)
     * @param extraConfig YAML appended to every node's configuration (connectors, routes...)
     * @param jvmOptions  JVM options of every node ({@code -Xmx...}); {@code {home}} is replaced by the node's home
     */
    ApprovalNodes(Path work, int size, Path jar, Path bundle, int agents, String extraConfig, List<String> jvmOptions) throws IOException {
        this.jar = jar;
        this.bundle = bundle;
        this.agents = agents;
        this.extraConfig = extraConfig;
        this.jvmOptions = jvmOptions;
        for (int i = 1; i <= size; i++) {
            nodes.add(new Node(i, freePort(), freePort(), work.resolve("node-" + i)));
        }
    }

    /** The bearer token of agent {@code i}, of carol, of admin. */
    String agentToken(int i) {
        return "agent-" + i + "-" + runId;
    }

    String carolToken() {
        return "carol-" + runId;
    }

    String adminToken() {
        return "admin-" + runId;
    }

    /** Starts the first member, waits for it, then the others, and waits until every one is ready in one cluster. */
    void startAll() throws Exception {
        start(nodes.get(0));
        awaitReady(nodes.get(0), 1);
        for (Node n : nodes.subList(1, nodes.size())) {
            start(n);
        }
        for (Node n : nodes) {
            awaitReady(n, nodes.size());
        }
    }

    private void start(Node n) throws IOException {
        Files.createDirectories(n.home);
        Path config = n.home.resolve("countersign.yaml");
        Files.writeString(config, config(n));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(HAZELCAST_FLAGS);
        for (String o : jvmOptions) {
            command.add(o.replace("{home}", n.home.toString()));
        }
        command.addAll(List.of("-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false",
                "-jar", jar.toString(), "serve", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(n.home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(n.home.resolve("node.log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("COUNTERSIGN_"));
        builder.environment().put("COUNTERSIGN_CLUSTER_SECRET", "bench-secret-" + runId);
        n.process = builder.start();
    }

    /** Waits (up to 3 minutes) until {@code n} is ready in a cluster of {@code size} members. */
    private static void awaitReady(Node n, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!n.process.isAlive()) {
                throw new IllegalStateException(n + " exited with " + n.process.exitValue() + "; see its node.log");
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(n.uri("/health/ready")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.body();
                if (r.statusCode() == 200 && new JsonObject(r.body()).getJsonObject("checks").getJsonObject("cluster").getInteger("members") == size) {
                    return;
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(n + " not ready in a cluster of " + size + " within 3 minutes: " + last);
    }

    /** One sample of {@code name} (a gauge without labels) from {@code n}'s /metrics; -1 when absent. */
    static double metric(Node n, String name) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(n.uri("/metrics")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    /** Runs {@code jcmd <pid> args...} on {@code n}'s JVM and returns what it printed. */
    static String jcmd(Node n, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        command.add(Long.toString(n.process.pid()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("jcmd " + String.join(" ", args) + " did not end");
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        for (Node n : nodes) {
            if (n.process != null && n.process.isAlive()) {
                n.process.destroy();   // SIGTERM: leaves the cluster, flushes its audit log (and its flight recording)
            }
        }
        for (Node n : nodes) {
            if (n.process != null && !n.process.waitFor(60, TimeUnit.SECONDS)) {
                n.process.destroyForcibly();
                n.process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String config(Node n) {
        StringBuilder c = new StringBuilder();
        c.append("server: {host: 127.0.0.1, port: ").append(n.port).append(", node: node-").append(n.index).append("}\n")
                .append("bundle: \"").append(bundle).append("\"\n")
                .append("data_dir: \"").append(n.home.resolve("data")).append("\"\n")
                .append("reload: {watch: false}\n")
                .append("clients:\n");
        for (int i = 0; i < agents; i++) {
            c.append("  - {name: agent-").append(i).append(", token_sha256: \"").append(sha256Hex(agentToken(i))).append("\", scopes: [decide]}\n");
        }
        c.append("  - {name: carol, token_sha256: \"").append(sha256Hex(carolToken())).append("\", scopes: [review], reviewer: carol@example.com}\n")
                .append("  - {name: admin, token_sha256: \"").append(sha256Hex(adminToken())).append("\", scopes: [admin]}\n")
                .append("reviewers:\n  data-governance: [{id: carol@example.com}, {id: dan@example.com}]\n");
        if (nodes.size() > 1) {
            List<String> members = nodes.stream().map(m -> "\"127.0.0.1:" + m.clusterPort + "\"").toList();
            c.append("cluster: {name: bench-").append(runId, 0, 8).append(", host: 127.0.0.1, port: ").append(n.clusterPort)
                    .append(", members: [").append(String.join(", ", members)).append("], secret: \"${COUNTERSIGN_CLUSTER_SECRET}\"}\n");
        } else {
            c.append("cluster: {port: ").append(n.clusterPort).append("}\n");
        }
        c.append("store: {kind: memory}\n").append(extraConfig);
        return c.toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
