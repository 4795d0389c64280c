package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Editing the bundle on disk while requests flow: a broken rule file and a failing rule test are
 * rejected (the old revision keeps answering, the errors show with file:line, readiness stays up, the
 * failure is counted), and the fixed bundle is activated; no request fails at any point.
 */
class HotReloadTest {
    static final String AGENT_EXPORT = """
            {"actor": {"id": "agent:etl-bot", "type": "agent"}, "action": {"name": "data.export"},
             "resource": {"environment": "production"}, "target": {"region": "eu-west-1"}}""";

    @TempDir
    Path dir;

    @Test
    void aBrokenBundleNeverStopsServingAndTheFixedOneIsActivated() throws Exception {
        try (TestNode node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of()))) {
            String original = node.server.policies().active().revision();
            Path rules = node.bundle.resolve("export/export.drl");
            String text = Files.readString(rules);

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            Set<String> revisions = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 4; i++) {
                send(node, running, answered, failures, revisions);
            }

            int broken = lineOf(text, "Action( name == \"data.export\" )");
            Files.writeString(rules, text.replaceFirst("Action\\( name == \"data.export\" \\)", "Action( name == )"));
            JsonObject rejected = awaitReload(node, r -> "rejected".equals(r.getString("outcome")));
            JsonObject error = rejected.getJsonArray("errors").getJsonObject(0);
            assertEquals("export/export.drl", error.getString("file"));
            assertEquals(broken, error.getInteger("line"));
            assertTrue(error.getString("location").startsWith("export/export.drl:" + broken + ":"), error.encode());
            assertEquals(original, node.server.policies().active().revision(), "the old revision keeps deciding");
            assertEquals(200, node.get("/health/ready", null).statusCode(), "readiness stays up");
            assertTrue(metric(node, "countersign_bundle_reload_failures_total") >= 1.0);

            Path tests = node.bundle.resolve("export/export_test.yaml");
            String testText = Files.readString(tests);
            Files.writeString(rules, text);
            Files.writeString(tests, testText.replaceFirst("ttl: PT1H", "ttl: PT2H"));
            JsonObject failingTests = awaitReload(node, r -> "rejected".equals(r.getString("outcome"))
                    && r.getJsonArray("errors").getJsonObject(0).getString("file").equals("export/export_test.yaml"));
            assertTrue(failingTests.getJsonArray("errors").getJsonObject(0).getString("message").startsWith("rule test '"),
                    failingTests.encode());
            assertEquals(original, node.server.policies().active().revision());

            Files.writeString(tests, testText);
            Files.writeString(rules, text.replace("\"Agent export of production data\"", "\"Agent export of production data (v2)\""));
            JsonObject activated = awaitReload(node, r -> "activated".equals(r.getString("outcome")));
            assertNotEquals(original, activated.getString("revision"));
            long until = System.currentTimeMillis() + 10_000;
            String published = null;
            while (System.currentTimeMillis() < until && !activated.getString("revision").equals(published)) {
                var cluster = node.get("/v1/policies", null).bodyAsJsonObject().getJsonArray("cluster");
                published = cluster.isEmpty() ? null : cluster.getJsonObject(0).getString("revision");
                Thread.sleep(50);
            }
            assertEquals(activated.getString("revision"), published, "the cluster sees the node's new revision");
            JsonObject decision = node.post("/v1/decisions", AGENT_EXPORT, null).bodyAsJsonObject();
            assertEquals("Agent export of production data (v2)", decision.getJsonArray("reasons").getJsonObject(0).getString("message"));

            int before = answered.get();
            long deadline = System.currentTimeMillis() + 10_000;
            while (answered.get() < before + 20 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            running.set(false);
            Thread.sleep(200);
            assertEquals(List.of(), List.copyOf(failures), "no request failed during the reloads");
            assertTrue(answered.get() > 20, "requests flowed: " + answered.get());
            assertTrue(revisions.contains(original) && revisions.contains(activated.getString("revision")),
                    "answers came from both revisions: " + revisions);
        }
    }

    private static void send(TestNode node, AtomicBoolean running, AtomicInteger answered, ConcurrentLinkedQueue<String> failures,
                             Set<String> revisions) {
        if (!running.get()) {
            return;
        }
        node.client.post("/v1/decisions").putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(AGENT_EXPORT))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        if (running.get()) {
                            failures.add(ar.cause().toString());
                        }
                    } else if (ar.result().statusCode() != 200) {
                        failures.add(ar.result().statusCode() + " " + ar.result().bodyAsString());
                    } else {
                        answered.incrementAndGet();
                        revisions.add(ar.result().bodyAsJsonObject().getString("bundle_revision"));
                    }
                    send(node, running, answered, failures, revisions);
                });
    }

    static JsonObject awaitReload(TestNode node, Predicate<JsonObject> done) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonObject last = null;
        while (System.currentTimeMillis() < deadline) {
            last = node.get("/v1/policies", null).bodyAsJsonObject().getJsonObject("last_reload");
            if (last != null && done.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        fail("the reload did not happen; last attempt: " + last);
        return null;
    }

    static double metric(TestNode node, String name) throws Exception {
        for (String line : node.get("/metrics", null).bodyAsString().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    private static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException(needle);
    }
}
