package dev.countersign.pdp.audit;

import static dev.countersign.pdp.audit.TestLogs.await;
import static dev.countersign.pdp.audit.TestLogs.decision;
import static dev.countersign.pdp.audit.TestLogs.file;
import static dev.countersign.pdp.audit.TestLogs.lines;
import static dev.countersign.pdp.audit.TestLogs.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.rules.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log as the server uses it: real files, real threads, failures made with the file system. */
class AuditLogTest {
    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("audit");
    }

    @Test
    void recordsAreChainedLinesWithSeqFirstPrevSecondAndHashLast() throws IOException {
        Path dir = dir();
        TestLogs.write(dir, options(1 << 20), 1, 3);
        List<String> lines = lines(file(dir, 1));
        assertEquals(3, lines.size());
        String prev = RecordLine.ZERO_HASH;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            JsonNode node = Json.MAPPER.readTree(line);
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            assertEquals(List.of("seq", "prev", "type", "time", "decision_id", "node", "caller", "input", "verdict",
                    "reasons", "bundle_revision", "eval_micros", "hash"), names, line);
            assertEquals(i + 1, node.get("seq").asInt());
            assertEquals(prev, node.get("prev").asText());
            assertEquals(TestLogs.hashOf(line), node.get("hash").asText(), "the hash is computable from the text");
            assertEquals("quarterly\nreport, \"q4\" — Zürich", node.at("/input/action/intent").asText());
            prev = node.get("hash").asText();
        }
    }

    @Test
    void appendsAcrossRotationVerifyAsOneChain() throws IOException {
        Path dir = dir();
        long max = 2_000;
        TestLogs.write(dir, options(max), 1, 100);
        List<Path> files = AuditFiles.list(dir);
        assertTrue(files.size() > 5, "rotated into " + files.size() + " files");
        for (Path f : files) {
            assertTrue(Files.size(f) <= max, f + " is " + Files.size(f) + " bytes");
        }
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(100, r.records());
        assertEquals(files.size(), r.files());
        assertEquals(1, r.firstSeq());
        assertEquals(100, r.lastSeq());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void aRecordLargerThanTheFileLimitGetsAFileOfItsOwn() throws IOException {
        Path dir = dir();
        TestLogs.write(dir, options(100), 1, 3);
        assertEquals(3, AuditFiles.list(dir).size());
        assertTrue(AuditVerifier.verify(dir).intact());
    }

    @Test
    void restartContinuesTheChainInTheSameFile() throws IOException {
        Path dir = dir();
        TestLogs.write(dir, options(1 << 20), 1, 5);
        try (AuditLog log = AuditLog.open(dir, options(1 << 20))) {
            assertEquals(5, log.status().lastSeq());
            assertEquals(TestLogs.hashOf(lines(file(dir, 1)).get(4)), log.status().lastHash());
            for (int i = 6; i <= 10; i++) {
                log.append(decision(i));
            }
        }
        assertEquals(List.of(file(dir, 1)), AuditFiles.list(dir));
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(10, r.records());
        assertEquals(10, r.lastSeq());
    }

    @Test
    void restartAfterRotationContinuesInTheNewestFile() throws IOException {
        Path dir = dir();
        TestLogs.write(dir, options(1_500), 1, 20);
        int before = AuditFiles.list(dir).size();
        TestLogs.write(dir, options(1_500), 21, 40);
        assertTrue(AuditFiles.list(dir).size() > before);
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(40, r.records());
    }

    @Test
    void aTornLastLineIsLeftAloneAndTheChainContinuesInANewFileThatNotesIt() throws IOException {
        Path dir = dir();
        TestLogs.write(dir, options(1 << 20), 1, 5);
        String fifth = lines(file(dir, 1)).get(4);
        long complete = Files.size(file(dir, 1));
        // A crash in the middle of writing record 6: the beginning of its line, no newline.
        String sixth = "{\"seq\":6,\"prev\":\"" + TestLogs.hashOf(fifth) + "\",\"type\":\"deci";
        Files.writeString(file(dir, 1), sixth, StandardOpenOption.APPEND);
        byte[] torn = Files.readAllBytes(file(dir, 1));

        TestLogs.write(dir, options(1 << 20), 6, 8);

        assertEquals(List.of(file(dir, 1), file(dir, 2)), AuditFiles.list(dir));
        assertArrayEquals(torn, Files.readAllBytes(file(dir, 1)), "the torn file is not touched");
        List<String> next = lines(file(dir, 2));
        JsonNode noted = Json.MAPPER.readTree(next.get(0));
        assertEquals(6, noted.get("seq").asInt());
        assertEquals(TestLogs.hashOf(fifth), noted.get("prev").asText());
        assertEquals("audit_torn_line", noted.get("type").asText());
        assertEquals("audit-000001.jsonl", noted.get("file").asText());
        assertEquals(complete, noted.get("offset").asLong());
        assertEquals(sixth.length(), noted.get("bytes").asLong());
        assertEquals(5, noted.get("after_seq").asLong());
        assertEquals("d-6", Json.MAPPER.readTree(next.get(1)).get("decision_id").asText());
        assertEquals(7, Json.MAPPER.readTree(next.get(1)).get("seq").asInt());

        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(9, r.records());
        assertEquals(List.of(), r.warnings());
        assertEquals(List.of(file(dir, 1) + ":6 (seq 6): the last line is incomplete (a write cut short by a crash);"
                + " it is not part of the chain, which continues after seq 5"), r.torn());

        TestLogs.write(dir, options(1 << 20), 9, 9);
        assertEquals(5, lines(file(dir, 2)).size(), "noted once: the next restart continues in the same file");
        assertEquals(10, AuditVerifier.verify(dir).records());
    }

    @Test
    void aTornLineLeftAtTheVeryStartOfTheLogIsNotedAndTheChainStartsAtSeqOne() throws IOException {
        Path dir = dir();
        Files.createDirectories(dir);
        Files.writeString(file(dir, 1), "{\"seq\":1,\"prev\":\"0000");
        TestLogs.write(dir, options(1 << 20), 1, 2);
        List<String> next = lines(file(dir, 2));
        JsonNode noted = Json.MAPPER.readTree(next.get(0));
        assertEquals(1, noted.get("seq").asInt());
        assertEquals(RecordLine.ZERO_HASH, noted.get("prev").asText());
        assertEquals(0, noted.get("after_seq").asLong());
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(3, r.records());
        assertEquals(1, r.torn().size(), r.torn().toString());
    }

    @Test
    void aCompleteLastRecordWithoutItsNewlineStaysInTheChain() throws IOException {
        Path dir = dir();
        TestLogs.write(dir, options(1 << 20), 1, 5);
        byte[] bytes = Files.readAllBytes(file(dir, 1));
        Files.write(file(dir, 1), java.util.Arrays.copyOf(bytes, bytes.length - 1));
        TestLogs.write(dir, options(1 << 20), 6, 7);
        assertEquals(2, AuditFiles.list(dir).size(), "the unterminated file is left as it is");
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(7, r.records());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void anEmptyNewestFileIsReused() throws IOException {
        Path dir = dir();
        TestLogs.write(dir, options(1 << 20), 1, 0);
        assertEquals(0, Files.size(file(dir, 1)));
        TestLogs.write(dir, options(1 << 20), 1, 2);
        assertEquals(List.of(file(dir, 1)), AuditFiles.list(dir));
        assertTrue(AuditVerifier.verify(dir).intact());
    }

    @Test
    void concurrentAppendsAllLandExactlyOnceWithContiguousSeq() throws Exception {
        Path dir = dir();
        int threads = 8;
        int each = 5_000;
        try (AuditLog log = AuditLog.open(dir, options(512 * 1024))) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread w = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        Map<String, Object> r = new LinkedHashMap<>();
                        r.put("type", "decision");
                        r.put("thread", thread);
                        r.put("i", i);
                        log.append(r);
                    }
                });
                w.start();
                workers.add(w);
            }
            start.countDown();
            for (Thread w : workers) {
                w.join();
            }
            log.flush();
            AuditLog.Status s = log.status();
            assertEquals(threads * each, s.written());
            assertEquals(0, s.dropped());
            assertEquals(0, s.queued());
            assertEquals(threads * each, s.lastSeq());
        }
        Set<String> seen = new HashSet<>();
        long seq = 0;
        for (Path f : AuditFiles.list(dir)) {
            for (String line : lines(f)) {
                JsonNode n = Json.MAPPER.readTree(line);
                assertEquals(++seq, n.get("seq").asLong());
                assertTrue(seen.add(n.get("thread").asInt() + "/" + n.get("i").asInt()), "twice: " + line);
            }
        }
        assertEquals(threads * each, seen.size());
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(threads * each, r.records());
    }

    @Test
    void aRecordReachesTheFileWithoutFlush() throws IOException {
        Path dir = dir();
        try (AuditLog log = AuditLog.open(dir, new AuditLog.Options(1 << 20, Duration.ofSeconds(1), 1000))) {
            log.append(decision(1));
            await("the record in the file", () -> {
                try {
                    return Files.size(file(dir, 1)) > 0 && lines(file(dir, 1)).size() == 1;
                } catch (IOException e) {
                    return false;
                }
            });
            assertEquals(1, log.status().written());
        }
    }

    @Test
    void aReplacedDirectoryMakesTheLogUnhealthyUntilItIsBack() throws IOException {
        Path dir = dir();
        Path moved = tmp.resolve("moved");
        try (AuditLog log = AuditLog.open(dir, options(1 << 20))) {
            for (int i = 1; i <= 5; i++) {
                log.append(decision(i));
            }
            log.flush();
            assertTrue(log.status().healthy());

            Files.move(dir, moved);
            Files.writeString(dir, "not a directory");
            for (int i = 6; i <= 10; i++) {
                log.append(decision(i));
            }
            await("unhealthy", () -> !log.status().healthy());
            AuditLog.Status failing = log.status();
            assertNotNull(failing.lastError());
            assertTrue(failing.writeFailures() >= 1);
            assertEquals(5, failing.written());
            assertEquals(5, failing.queued(), "the records stay queued");
            assertThrows(IOException.class, log::flush);

            Files.delete(dir);
            Files.move(moved, dir);
            await("healthy again", () -> log.status().healthy());
            log.flush();
            AuditLog.Status recovered = log.status();
            assertEquals(10, recovered.written());
            assertEquals(0, recovered.queued());
            assertEquals(0, recovered.dropped());
            assertEquals(10, recovered.lastSeq());
            assertNotNull(recovered.lastError(), "the last error is kept for the operator");
        }
        assertEquals(List.of(file(dir, 1), file(dir, 2)), AuditFiles.list(dir), "the chain continues in a new file");
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(10, r.records());
    }

    @Test
    void aRemovedCurrentFileIsAFailureAndTheVerifierSeesTheGap() throws IOException {
        Path dir = dir();
        try (AuditLog log = AuditLog.open(dir, options(1))) {
            for (int i = 1; i <= 3; i++) {
                log.append(decision(i));
            }
            log.flush();
            Files.delete(file(dir, 3));
            log.append(decision(4));
            await("the removal noticed", () -> log.status().writeFailures() > 0);
            assertTrue(log.status().lastError().contains("audit-000003.jsonl is gone"), log.status().lastError());
            await("healthy again", () -> log.status().healthy() && log.status().written() == 4);
        }
        assertEquals(List.of(file(dir, 1), file(dir, 2), file(dir, 4)), AuditFiles.list(dir));
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertFalse(r.intact());
        assertEquals(file(dir, 4).toString(), r.firstBrokenFile());
        assertEquals(1, r.firstBrokenLine());
        assertEquals(4L, r.firstBrokenSeq());
        assertTrue(r.problem().startsWith("seq 4 follows seq 2, and prev does not match"), r.problem());
    }

    @Test
    void whileWritesFailAtMostMaxQueuedRecordsWaitAndTheRestAreDropped() throws IOException {
        Path dir = dir();
        Path moved = tmp.resolve("moved");
        try (AuditLog log = AuditLog.open(dir, new AuditLog.Options(1 << 20, Duration.ofMillis(50), 10))) {
            Files.move(dir, moved);
            Files.writeString(dir, "not a directory");
            log.append(decision(1));
            await("unhealthy", () -> !log.status().healthy());
            for (int i = 2; i <= 30; i++) {
                log.append(decision(i));
            }
            assertEquals(10, log.status().queued());
            assertEquals(20, log.status().dropped());
            Files.delete(dir);
            Files.move(moved, dir);
            await("healthy again", () -> log.status().healthy() && log.status().queued() == 0);
            assertEquals(10, log.status().written());
        }
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertTrue(r.intact(), r.toString());
        assertEquals(10, r.records());
    }

    @Test
    void aSecondLogOnTheSameDirectoryIsRefused() throws IOException {
        Path dir = dir();
        try (AuditLog log = AuditLog.open(dir, options(1 << 20))) {
            IOException e = assertThrows(IOException.class, () -> AuditLog.open(dir, options(1 << 20)));
            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
        }
        AuditLog.open(dir, options(1 << 20)).close();
    }

    @Test
    void reservedFieldNamesAreRefused() throws IOException {
        try (AuditLog log = AuditLog.open(dir(), options(1 << 20))) {
            for (String name : List.of("seq", "prev", "hash")) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.append(Map.of(name, 1)));
                assertTrue(e.getMessage().contains(name), e.getMessage());
            }
        }
    }

    @Test
    void afterCloseAppendsAreDroppedAndCounted() throws IOException {
        AuditLog log = AuditLog.open(dir(), options(1 << 20));
        log.append(decision(1));
        log.close();
        log.close();
        AuditLog.Status closed = log.status();
        assertEquals(1, closed.written());
        assertFalse(closed.healthy());
        assertNull(closed.lastError());
        log.append(decision(2));
        log.flush();
        assertEquals(1, log.status().dropped());
        assertEquals(1, log.status().lastSeq());
    }

    @Test
    void statusNamesTheTipOfTheChain() throws IOException {
        Path dir = dir();
        try (AuditLog log = AuditLog.open(dir, options(1 << 20))) {
            assertEquals(new AuditLog.Status(true, null, 0, 0, 0, 0, RecordLine.ZERO_HASH, 0, 0), log.status());
            log.append(decision(1));
            log.append(decision(2));
            log.flush();
            List<String> lines = lines(file(dir, 1));
            AuditLog.Status s = log.status();
            assertTrue(s.forces() >= 1, "flush forced the file: " + s);
            assertEquals(new AuditLog.Status(true, null, 2, 0, 0, 0, TestLogs.hashOf(lines.get(1)), 2, s.forces()), s);
        }
    }

    @Test
    void valuesThatAreNotJsonTypesAreWrittenAsText() throws IOException {
        Path dir = dir();
        try (AuditLog log = AuditLog.open(dir, options(1 << 20))) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("duration", Duration.ofMillis(1500));
            r.put("nothing", null);
            r.put("empty", Map.of());
            log.append(r);
            log.append(Map.of());
        }
        Iterator<String> lines = lines(file(dir, 1)).iterator();
        JsonNode first = Json.MAPPER.readTree(lines.next());
        assertEquals("PT1.5S", first.get("duration").asText());
        assertTrue(first.get("nothing").isNull());
        assertTrue(lines.next().matches("\\{\"seq\":2,\"prev\":\"[0-9a-f]{64}\",\"hash\":\"[0-9a-f]{64}\"}"));
        assertTrue(AuditVerifier.verify(dir).intact());
    }
}
