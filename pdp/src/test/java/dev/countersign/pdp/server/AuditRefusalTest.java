package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.audit.AuditVerifier;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No decision leaves without its audit record: while the audit log cannot write (its directory
 * replaced by a file, as a failing or vanished disk looks), a node with {@code audit.on_failure:
 * refuse} (the default) answers decisions 503 {@code audit_unavailable} with {@code Retry-After},
 * reports itself not ready and counts them, and serves again once the log writes; every decision it
 * answered is in the log, none it refused, and the chain verifies. With {@code allow} it keeps
 * answering, the records waiting to be written.
 */
class AuditRefusalTest {
    static final String ASK = "{\"action\": {\"name\": \"data.read\"}, \"actor\": {\"id\": \"agent:bot\", \"type\": \"agent\"}}";

    @TempDir
    Path dir;

    @Test
    void whileTheAuditLogCannotWriteDecisionsAreRefusedAndNoneAnsweredGoesUnrecorded() throws Exception {
        try (TestNode node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of()))) {
            List<String> answered = new ArrayList<>();
            answered.add(decide(node).getString("decision_id"));
            node.server.audit().flush();

            Path audit = node.data.resolve("audit");
            Path away = dir.resolve("audit-away");
            Files.move(audit, away);
            Files.writeString(audit, "not a directory");
            // The decision the failure is found with is queued (it waits, it is not lost); the next are refused.
            eventually("the log finds it cannot write", () -> {
                HttpResponse<Buffer> r = post(node);
                if (r.statusCode() == 200) {
                    answered.add(r.bodyAsJsonObject().getString("decision_id"));
                    return false;
                }
                return true;
            });
            for (int i = 0; i < 5; i++) {
                HttpResponse<Buffer> r = post(node);
                assertEquals(503, r.statusCode(), r.bodyAsString());
                assertEquals("audit_unavailable", r.bodyAsJsonObject().getString("code"));
                assertTrue(r.bodyAsJsonObject().getString("message").contains("no decision is answered without"), r.bodyAsString());
                assertEquals("1", r.getHeader("Retry-After"));
            }
            HttpResponse<Buffer> ready = node.get("/health/ready", null);
            assertEquals(503, ready.statusCode(), ready.bodyAsString());
            assertTrue(ready.bodyAsString().contains("audit"), ready.bodyAsString());
            assertTrue(node.get("/metrics", null).bodyAsString().matches("(?s).*countersign_decisions_unrecorded_total [1-9].*"),
                    "refusals counted");

            Files.delete(audit);
            Files.move(away, audit);
            eventually("decisions are answered again", () -> post(node).statusCode() == 200 && answered.add("(one more)"));
            answered.remove("(one more)");
            answered.add(decide(node).getString("decision_id"));
            assertEquals(200, node.get("/health/ready", null).statusCode());
            node.server.audit().flush();

            List<String> logged = loggedDecisions(audit);
            assertTrue(logged.containsAll(answered), "every decision answered is in the audit log: " + answered + " " + logged);
            assertTrue(AuditVerifier.verify(audit).intact(), "the chain continues");
        }
    }

    @Test
    void withOnFailureAllowDecisionsAreAnsweredAndTheirRecordsWait() throws Exception {
        try (TestNode node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of()).withAuditRefuses(false))) {
            decide(node);
            node.server.audit().flush();
            Path audit = node.data.resolve("audit");
            Path away = dir.resolve("audit-away");
            Files.move(audit, away);
            Files.writeString(audit, "not a directory");
            eventually("the log finds it cannot write", () -> !node.server.audit().status().healthy() || post(node).statusCode() != 200);
            List<String> answered = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                answered.add(decide(node).getString("decision_id"));
            }
            Files.delete(audit);
            Files.move(away, audit);
            eventually("written once the disk is back", () -> node.server.audit().status().healthy() && node.server.audit().status().queued() == 0);
            node.server.audit().flush();
            assertTrue(loggedDecisions(audit).containsAll(answered), "the waiting records were written");
        }
    }

    private static JsonObject decide(TestNode node) throws Exception {
        HttpResponse<Buffer> r = post(node);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    private static HttpResponse<Buffer> post(TestNode node) {
        try {
            return node.post("/v1/decisions", ASK, null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> loggedDecisions(Path audit) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Stream<Path> files = Files.list(audit)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    JsonObject r = new JsonObject(line);
                    if ("decision".equals(r.getString("type"))) {
                        ids.add(r.getString("decision_id"));
                    }
                }
            }
        }
        return ids;
    }

    private static void eventually(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.get()) {
            assertTrue(System.nanoTime() < deadline, "not within 20 s: " + what);
            Thread.sleep(50);
        }
    }
}
