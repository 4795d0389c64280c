package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.audit.AuditLog;
import dev.countersign.pdp.audit.AuditVerifier;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit.fsync: per_batch} on a node: a decision is answered only once its record is in the audit
 * file (written and forced), concurrent decisions share forces, and a log that cannot write refuses
 * the decision it could not keep, the first one included.
 */
class AuditFsyncPerBatchTest {
    @TempDir
    Path dir;

    @Test
    void eachAnsweredDecisionIsInTheFileWhenItsAnswerArrivesAndConcurrentOnesShareForces() throws Exception {
        try (TestNode node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of())
                .withAuditFsync(AuditLog.Fsync.PER_BATCH))) {
            Path audit = node.data.resolve("audit");
            for (int i = 0; i < 10; i++) {
                String id = decide(node);
                assertTrue(logText(audit).contains("\"decision_id\":\"" + id + "\""), "on file when answered: " + id);
            }

            long forcesBefore = counter(node, "countersign_audit_fsyncs_total");
            long writtenBefore = counter(node, "countersign_audit_records_written_total");
            ExecutorService callers = Executors.newFixedThreadPool(16);
            try {
                List<Future<String>> answers = new ArrayList<>();
                for (int i = 0; i < 160; i++) {
                    answers.add(callers.submit(() -> {
                        String id = decide(node);
                        assertTrue(logText(audit).contains("\"decision_id\":\"" + id + "\""), "on file when answered: " + id);
                        return id;
                    }));
                }
                for (Future<String> a : answers) {
                    a.get();
                }
            } finally {
                callers.shutdownNow();
            }
            long forces = counter(node, "countersign_audit_fsyncs_total") - forcesBefore;
            long written = counter(node, "countersign_audit_records_written_total") - writtenBefore;
            assertEquals(160, written);
            assertTrue(forces >= 1 && forces < written, "concurrent decisions share forces: " + forces + " forces for " + written + " records");
            assertTrue(AuditVerifier.verify(audit).intact());
        }
    }

    @Test
    void whenTheLogCannotWriteTheDecisionInFlightIsRefusedToo() throws Exception {
        try (TestNode node = TestNode.start(TestNode.config(dir, Path.of("../policies"), List.of(), List.of())
                .withAuditFsync(AuditLog.Fsync.PER_BATCH))) {
            List<String> answered = new ArrayList<>();
            answered.add(decide(node));
            Path audit = node.data.resolve("audit");
            Path away = dir.resolve("audit-away");
            Files.move(audit, away);
            Files.writeString(audit, "not a directory");
            for (int i = 0; i < 3; i++) {
                HttpResponse<Buffer> r = post(node);
                assertEquals(503, r.statusCode(), "refused from the first decision on: " + r.bodyAsString());
                assertEquals("audit_unavailable", r.bodyAsJsonObject().getString("code"));
                assertEquals("1", r.getHeader("Retry-After"));
            }
            Files.delete(audit);
            Files.move(away, audit);
            long deadline = System.nanoTime() + 20_000_000_000L;
            HttpResponse<Buffer> r = post(node);
            while (r.statusCode() != 200) {
                assertTrue(System.nanoTime() < deadline, "answered again once the log writes: " + r.bodyAsString());
                Thread.sleep(50);
                r = post(node);
            }
            answered.add(r.bodyAsJsonObject().getString("decision_id"));
            String text = logText(audit);
            for (String id : answered) {
                assertTrue(text.contains("\"decision_id\":\"" + id + "\""), "answered, so on file: " + id);
            }
            assertTrue(AuditVerifier.verify(audit).intact());
        }
    }

    private static String decide(TestNode node) {
        HttpResponse<Buffer> r = post(node);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject().getString("decision_id");
    }

    private static HttpResponse<Buffer> post(TestNode node) {
        try {
            return node.post("/v1/decisions", AuditRefusalTest.ASK, null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String logText(Path audit) throws Exception {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.list(audit)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                text.append(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return text.toString();
    }

    private static long counter(TestNode node, String name) throws Exception {
        String metrics = node.get("/metrics", null).bodyAsString();
        Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.Ee+]+)$").matcher(metrics);
        assertTrue(m.find(), name + " in " + metrics);
        return (long) Double.parseDouble(m.group(1));
    }
}
