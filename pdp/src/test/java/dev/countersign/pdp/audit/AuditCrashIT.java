package dev.countersign.pdp.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.server.NodeJvmFlags;
import dev.countersign.pdp.server.TestNode;
import io.vertx.core.json.DecodeException;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node process ({@code java -jar countersign.jar serve}) killed with SIGKILL while callers stream
 * decisions at it: restarted on the same data directory, it continues the chain, decides more, and
 * {@code countersign audit verify} finds the chain intact. With {@code audit.fsync: per_batch} every
 * decision answered 200 before the kill is in the log; with {@code interval} the kill may lose what was
 * still queued in the process (counted and printed, not asserted).
 */
class AuditCrashIT {
    static final Path JAR = Path.of(System.getProperty("countersign.jar", "target/countersign.jar"));
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final int CALLERS = 8;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void perBatchKeepsEveryAnsweredDecisionThroughAKillAndTheChainContinuesOverATornLine() throws Exception {
        Map<String, Long> lost = crashAndRestart("per_batch", true);
        assertEquals(Map.of(), lost, "every decision answered before the kill is in the log");
    }

    @Test
    void intervalContinuesTheChainAfterAKill() throws Exception {
        Map<String, Long> lost = crashAndRestart("interval", false);
        System.out.printf("AuditCrashIT interval: %d decisions answered before the kill are not in the log%n", lost.size());
    }

    /**
     * Streams decisions, kills the node, restarts it, decides more, verifies; answers what was answered
     * before the kill and is not in the log. With {@code tear}, when the kill left the newest file ending
     * with a whole line, the beginning of the next record is appended to it, as a kill in the middle of a
     * write leaves it, so the restart has a torn line to continue over.
     */
    private Map<String, Long> crashAndRestart(String fsync, boolean tear) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "build the jar first (mvn package): " + JAR);
        Path home = dir.resolve("node");
        Files.createDirectories(home);
        int port = TestNode.freePort();
        Path config = home.resolve("countersign.yaml");
        Files.writeString(config, "server: {host: 127.0.0.1, port: " + port + ", event_loops: 2, node: crash-node}\n"
                + "bundle: \"" + Path.of("../policies").toAbsolutePath().normalize() + "\"\n"
                + "data_dir: \"" + home.resolve("data") + "\"\n"
                + "reload: {watch: false}\n"
                + "cluster: {name: crash-" + UUID.randomUUID() + ", host: 127.0.0.1, port: " + TestNode.freePort() + "}\n"
                + "audit: {fsync: " + fsync + "}\n"
                // The bundle's rule tests run at start: on a loaded machine the default 50 ms budget can cut them off.
                + "engine: {max_evaluation_time: PT5S}\n");

        Process first = start(home, config, "node-1.log");
        awaitReady(first, port, home.resolve("node-1.log"));
        Map<String, Boolean> answered = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            Thread t = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        HttpResponse<String> r = decide(port, "crash " + caller + "-" + i);
                        if (r.statusCode() == 200) {
                            answered.put(new JsonObject(r.body()).getString("decision_id"), true);
                        }
                    } catch (IOException | InterruptedException gone) {
                        return;
                    }
                }
            }, "caller-" + c);
            t.start();
            callers.add(t);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (answered.size() < 3000) {
            assertTrue(System.nanoTime() < deadline, "only " + answered.size() + " decisions answered in 60 s");
            Thread.sleep(20);
        }
        first.destroyForcibly();   // SIGKILL, with the callers still sending
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "killed");
        assertEquals(137, first.exitValue(), "killed by SIGKILL, not stopped");
        Set<String> beforeKill = Set.copyOf(answered.keySet());
        stop.set(true);
        for (Thread t : callers) {
            t.join(30_000);
        }

        Path audit = home.resolve("data").resolve("audit");
        boolean tornByKill = endsTorn(audit);
        System.out.printf("AuditCrashIT %s: the kill left %s%n", fsync, tornByKill ? "a torn last line" : "whole lines");
        if (tear && !tornByKill) {
            tearNewestFile(audit);
        }

        Process second = start(home, config, "node-2.log");
        awaitReady(second, port, home.resolve("node-2.log"));
        List<String> afterRestart = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> r = decide(port, "after restart " + i);
            assertEquals(200, r.statusCode(), r.body());
            afterRestart.add(new JsonObject(r.body()).getString("decision_id"));
        }
        second.destroy();
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "stopped");

        ProcessBuilder verify = new ProcessBuilder(java(), "-jar", JAR.toAbsolutePath().toString(), "audit", "verify", audit.toString())
                .redirectErrorStream(true);
        Process v = verify.start();
        String report = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(v.waitFor(120, TimeUnit.SECONDS));
        System.out.printf("AuditCrashIT %s: %d answered before the kill; audit verify:%n%s", fsync, beforeKill.size(), report);
        assertEquals(0, v.exitValue(), report);
        assertTrue(report.startsWith("OK: "), report);
        if (tear) {
            assertTrue(report.contains("\nTORN: "), "the torn line is reported as such: " + report);
            assertTrue(Files.readString(home.resolve("node-2.log")).contains("is incomplete"), "the restart says so");
            assertTrue(Files.readString(newest(audit)).contains("\"type\":\"audit_torn_line\""), "and notes it in the chain");
        }

        Map<String, Long> seqs = decisionSeqs(audit);
        long lastBefore = 0;
        Map<String, Long> lost = new HashMap<>();
        for (String id : beforeKill) {
            Long seq = seqs.get(id);
            if (seq == null) {
                lost.put(id, 0L);
            } else {
                lastBefore = Math.max(lastBefore, seq);
            }
        }
        for (String id : afterRestart) {
            assertTrue(seqs.containsKey(id), "decided after the restart, so in the log: " + id);
            assertTrue(seqs.get(id) > lastBefore, "the chain continues after the records written before the kill");
        }
        return lost;
    }

    private static Path newest(Path audit) throws IOException {
        List<Path> files = AuditFiles.list(audit);
        return files.get(files.size() - 1);
    }

    private static boolean endsTorn(Path audit) throws IOException {
        byte[] bytes = Files.readAllBytes(newest(audit));
        return bytes.length > 0 && bytes[bytes.length - 1] != '\n';
    }

    /** Appends to the newest file the first bytes of the record that would have come next. */
    private static void tearNewestFile(Path audit) throws IOException {
        Path file = newest(audit);
        List<String> lines = TestLogs.lines(file);
        JsonObject last = new JsonObject(lines.get(lines.size() - 1));
        String beginning = "{\"seq\":" + (last.getLong("seq") + 1) + ",\"prev\":\"" + last.getString("hash") + "\",\"type\":\"deci";
        Files.writeString(file, beginning, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    private Process start(Path home, Path config, String log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(NodeJvmFlags.forNodeProcess());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false",
                "-jar", JAR.toAbsolutePath().toString(), "serve", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve(log).toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("COUNTERSIGN_"));
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    private static HttpResponse<String> decide(int port, String intent) throws IOException, InterruptedException {
        String body = "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\"}, \"action\": {\"name\": \"data.read\", \"intent\": \""
                + intent + "\"}}";
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/decisions")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitReady(Process p, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String last = "";
        while (true) {
            assertTrue(p.isAlive(), "the node exited:\n" + tail(log));
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.body();
            } catch (IOException notListeningYet) {
                last = notListeningYet.toString();
            }
            assertTrue(System.nanoTime() < deadline, "not ready: " + last + "\n" + tail(log));
            Thread.sleep(200);
        }
    }

    /** The seq of each decision record in the log, by decision id. */
    private static Map<String, Long> decisionSeqs(Path audit) throws IOException {
        Map<String, Long> seqs = new HashMap<>();
        try (Stream<Path> files = Files.list(audit)) {
            for (Path f : files.filter(p -> AuditFiles.index(p) > 0).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    JsonObject r;
                    try {
                        r = new JsonObject(line);
                    } catch (DecodeException tornLine) {
                        continue;   // audit verify has judged it
                    }
                    if ("decision".equals(r.getString("type"))) {
                        seqs.put(r.getString("decision_id"), r.getLong("seq"));
                    }
                }
            }
        }
        return seqs;
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }


}
