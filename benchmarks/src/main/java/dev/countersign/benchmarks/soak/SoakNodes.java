package dev.countersign.benchmarks.soak;

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
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The soak's cluster: {@code size} Countersign nodes, each its own {@code java -jar countersign.jar serve}
 * process on loopback with its own home (countersign.yaml, a copy of the bundle, data directory, node.log),
 * listing each other as members and sharing a secret given through the environment. Clients: gateway
 * (decide), carol and dan (review, in data-governance and security) and admin.
 */
final class SoakNodes implements AutoCloseable {
    static final Map<String, String> TOKENS = Map.of("gateway", "soak-gateway-" + UUID.randomUUID(),
            "carol", "soak-carol-" + UUID.randomUUID(), "dan", "soak-dan-" + UUID.randomUUID(), "admin", "soak-admin-" + UUID.randomUUID());
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The flags Hazelcast asks for on Java 17 (the parent pom's hazelcast.jvm.flags). */
    static final List<String> HAZELCAST_FLAGS = List.of("--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

    /** One node; {@link #process} is its current process (a restart replaces it). */
    static final class Node {
        final int index;
        final int port;
        final int clusterPort;
        final Path home;
        volatile Process process;

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

    /** Heap used (bytes, every heap pool), live threads and open file descriptors of one node, from its /metrics. */
    record Figures(double heapBytes, double threads, double openFiles) {
        String shown() {
            return String.format("heap %.1f MB, %.0f threads, %.0f open fds", heapBytes / 1e6, threads, openFiles);
        }
    }

    private final Path jar;
    private final Path bundle;
    private final String extraConfig;
    private final List<String> jvmOptions;
    private final String secret = "soak-secret-" + UUID.randomUUID();
    private final String cluster = "soak-" + UUID.randomUUID();
    final List<Node> nodes = new ArrayList<>();

    SoakNodes(Path work, int size, Path jar, Path bundle, String extraConfig, List<String> jvmOptions) throws IOException {
        this.jar = jar;
        this.bundle = bundle;
        this.extraConfig = extraConfig;
        this.jvmOptions = jvmOptions;
        for (int i = 1; i <= size; i++) {
            nodes.add(new Node(i, freePort(), freePort(), work.resolve("node-" + i)));
        }
    }

    /** Starts the first node, waits for it, then the others, and waits until all are ready in one cluster. */
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

    /** Starts {@code n} (again) on its home; output appended to its node.log. */
    void start(Node n) throws IOException {
        Path config = n.home.resolve("countersign.yaml");
        if (!Files.exists(config)) {
            copy(bundle, n.home.resolve("bundle"));
            Files.writeString(config, config(n));
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(HAZELCAST_FLAGS);
        command.addAll(jvmOptions);
        command.addAll(List.of("-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false",
                "-jar", jar.toString(), "serve", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(n.home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(n.home.resolve("node.log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("COUNTERSIGN_"));
        builder.environment().put("COUNTERSIGN_CLUSTER_SECRET", secret);
        n.process = builder.start();
    }

    /** Stops {@code n} as an operator does (SIGTERM: it leaves the cluster and flushes its audit log); false if it had to be killed. */
    static boolean stop(Node n) throws InterruptedException {
        n.process.destroy();
        if (n.process.waitFor(90, TimeUnit.SECONDS)) {
            return true;
        }
        n.process.destroyForcibly();
        n.process.waitFor(30, TimeUnit.SECONDS);
        return false;
    }

    /** Waits (up to 3 minutes) until {@code n} is ready in a cluster of {@code size} members. */
    static void awaitReady(Node n, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!n.process.isAlive()) {
                throw new IllegalStateException(n + " exited with " + n.process.exitValue() + "; see " + n.home.resolve("node.log"));
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

    /** {@code n}'s figures from its /metrics; with {@code collectFirst}, after asking its JVM for a full collection (jcmd GC.run). */
    static Figures figures(Node n, boolean collectFirst) throws Exception {
        if (collectFirst) {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(n.process.pid()), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            jcmd.waitFor(60, TimeUnit.SECONDS);
        }
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(n.uri("/metrics")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        double heap = 0;
        double threads = -1;
        double files = -1;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{area=\"heap\"")) {
                heap += value(line);
            } else if (line.startsWith("jvm_threads_live_threads ")) {
                threads = value(line);
            } else if (line.startsWith("process_files_open_files ")) {
                files = value(line);
            }
        }
        return new Figures(heap, threads, files);
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** Writes {@code soak/reload.drl} into {@code n}'s bundle: one rule no request matches, named by {@code generation}, so each is a new revision. */
    static void changeBundle(Node n, int generation) throws IOException {
        Path file = n.home.resolve("bundle").resolve("soak").resolve("reload.drl");
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("reload.drl.tmp");
        Files.writeString(tmp, "package soak\n\nrule \"soak reload " + generation + "\"\nwhen\n    Action( name == \"soak.never." + generation
                + "\" )\nthen\n    allow(\"never asked\");\nend\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code countersign audit verify} on {@code n}'s audit directory: its exit code and what it printed. */
    String verifyAudit(Node n) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "audit", "verify", n.home.resolve("data").resolve("audit").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(10, TimeUnit.MINUTES);
        return "exit " + p.exitValue() + ": " + out;
    }

    @Override
    public void close() throws InterruptedException {
        for (Node n : nodes) {
            if (n.process != null && n.process.isAlive()) {
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
        List<String> members = nodes.stream().map(m -> "\"127.0.0.1:" + m.clusterPort + "\"").toList();
        return "server: {host: 127.0.0.1, port: " + n.port + ", event_loops: 1, node: node-" + n.index + "}\n"
                + "bundle: \"" + n.home.resolve("bundle") + "\"\n"
                + "data_dir: \"" + n.home.resolve("data") + "\"\n"
                + "reload: {watch: false}\n"
                + "clients:\n"
                + "  - {name: gateway, token_sha256: \"" + sha256Hex(TOKENS.get("gateway")) + "\", scopes: [decide]}\n"
                + "  - {name: carol, token_sha256: \"" + sha256Hex(TOKENS.get("carol")) + "\", scopes: [review], reviewer: carol@example.com}\n"
                + "  - {name: dan, token_sha256: \"" + sha256Hex(TOKENS.get("dan")) + "\", scopes: [review], reviewer: dan@example.com}\n"
                + "  - {name: admin, token_sha256: \"" + sha256Hex(TOKENS.get("admin")) + "\", scopes: [admin]}\n"
                + "cluster: {name: " + cluster + ", host: 127.0.0.1, port: " + n.clusterPort + ", members: [" + String.join(", ", members)
                + "], secret: \"${COUNTERSIGN_CLUSTER_SECRET}\"}\n"
                + "reviewers:\n"
                + "  data-governance: [{id: carol@example.com}, {id: dan@example.com}]\n"
                + "  security: [{id: carol@example.com}, {id: dan@example.com}]\n"
                + (extraConfig.contains("store:") ? "" : "store: {kind: memory}\n")
                + extraConfig;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
