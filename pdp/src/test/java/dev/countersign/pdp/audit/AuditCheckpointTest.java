package dev.countersign.pdp.audit;

import static dev.countersign.pdp.audit.TestLogs.decision;
import static dev.countersign.pdp.audit.TestLogs.file;
import static dev.countersign.pdp.audit.TestLogs.hashOf;
import static dev.countersign.pdp.audit.TestLogs.lines;
import static dev.countersign.pdp.audit.TestLogs.rehash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.countersign.pdp.cli.CliRun;
import dev.countersign.pdp.evidence.CheckpointSigner;
import dev.countersign.pdp.evidence.SigningKeys;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed checkpoints anchor the chain: a clean log verifies; the attacks a hash chain alone misses (a record edited
 * with every later hash recomputed, the head deleted, the tail cut) and a crash or a torn last line each fail the
 * anchored check, naming the place; a key rotation keeps old checkpoints verifiable.
 */
class AuditCheckpointTest {
    static final SigningKeys KEYS = SigningKeys.of(SigningKeys.generatePem(), List.of());

    @TempDir
    Path tmp;

    /** Writes records from..to with checkpoints by {@code keys} and closes the log cleanly; answers its latest checkpoint. */
    static String write(Path dir, SigningKeys keys, long maxFileBytes, int from, int to) throws IOException {
        AuditLog log = AuditLog.open(dir, TestLogs.options(maxFileBytes), ChainWriter.Device.SYSTEM,
                new CheckpointSigner(keys, "node-1"), Duration.ofHours(1));
        for (int i = from; i <= to; i++) {
            log.append(decision(i));
        }
        log.flush();
        log.close();
        JsonObject latest = new JsonObject(log.latestCheckpoint());
        assertEquals("shutdown", latest.getString("kind"));
        return latest.getString("jws");
    }

    Path jwks(SigningKeys... keys) throws IOException {
        List<JWK> all = new ArrayList<>();
        for (SigningKeys k : keys) {
            all.addAll(k.publicKeys().getKeys());
        }
        Path f = tmp.resolve("jwks-" + System.nanoTime() + ".json");
        Files.writeString(f, new JWKSet(all).toString(true));
        return f;
    }

    static CliRun verify(Path dir, Path jwks, String... more) {
        List<String> args = new ArrayList<>(List.of("audit", "verify", dir.toString(), "--jwks", jwks.toString()));
        args.addAll(List.of(more));
        return CliRun.run(args.toArray(String[]::new));
    }

    /** Rewrites lines {@code from} on of {@code f}, each with prev set to the hash of the line before and its own hash recomputed. */
    static void recompute(Path f, int from) throws IOException {
        TestLogs.edit(f, l -> {
            for (int i = from; i < l.size(); i++) {
                String line = l.get(i);
                if (i > 0) {
                    int at = line.indexOf("\"prev\":\"") + 8;
                    line = line.substring(0, at) + hashOf(l.get(i - 1)) + line.substring(at + 64);
                }
                l.set(i, rehash(line));
            }
            return l;
        });
    }

    @Test
    void aCleanLogVerifiesAndEveryFileStartsAndEndsWithACheckpoint() throws Exception {
        Path dir = tmp.resolve("clean");
        write(dir, KEYS, 4096, 1, 30);
        CliRun r = verify(dir, jwks(KEYS));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("OK: ") && r.out().contains("every checkpoint signed, ended by a clean shutdown"), r.out());
        List<Path> files = AuditFiles.list(dir);
        assertTrue(files.size() > 2, "rotated: " + files);
        for (Path f : files) {
            List<String> l = lines(f);
            assertTrue(l.get(0).contains("\"type\":\"checkpoint\",\"kind\":\"start\""), f + " starts with a checkpoint: " + l.get(0));
            String last = l.get(l.size() - 1);
            assertTrue(last.contains("\"type\":\"checkpoint\",\"kind\":\"" + (f.equals(files.get(files.size() - 1)) ? "shutdown" : "end")),
                    f + " ends with a checkpoint: " + last);
        }
        assertEquals(0, CliRun.run("audit", "verify", dir.toString()).status(), "the unanchored check reads checkpoints as records");
    }

    @Test
    void anEditedRecordWithEveryLaterHashRecomputedFailsAtTheNextCheckpoint() throws Exception {
        Path dir = tmp.resolve("recomputed");
        write(dir, KEYS, 1 << 20, 1, 20);
        Path f = file(dir, 1);
        TestLogs.edit(f, l -> {
            l.set(5, l.get(5).replace("\"verdict\":\"allow\"", "\"verdict\":\"deny\""));
            return l;
        });
        recompute(f, 5);
        assertEquals(0, CliRun.run("audit", "verify", dir.toString()).status(), "a hash chain alone takes the forgery");
        CliRun r = verify(dir, jwks(KEYS));
        assertEquals(1, r.status(), r.out());
        int last = lines(f).size();
        assertTrue(r.out().startsWith("BROKEN: " + f + ":" + last + " (seq " + last + "): the checkpoint signed seq " + (last - 1)), r.out());
        assertTrue(r.out().contains("the chain before it was rewritten and its hashes recomputed"), r.out());
    }

    @Test
    void aDeletedHeadFailsUnlessTheFilesBeginAtASignedCheckpoint() throws Exception {
        Path dir = tmp.resolve("head");
        write(dir, KEYS, 1 << 20, 1, 20);
        Path f = file(dir, 1);
        TestLogs.edit(f, l -> new ArrayList<>(l.subList(11, l.size())));   // the start checkpoint and the first ten records
        CliRun r = verify(dir, jwks(KEYS));
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().startsWith("BROKEN: " + f + ":1 (seq 12): the head of the log is missing"), r.out());
        CliRun from = verify(dir, jwks(KEYS), "--from-checkpoint");
        assertEquals(1, from.status(), from.out());
        assertTrue(from.out().contains("the files do not begin at a signed checkpoint"), from.out());

        Path retained = tmp.resolve("retained");
        write(retained, KEYS, 2048, 1, 30);
        Files.delete(file(retained, 1));   // retention removed the oldest file: the next begins at its start checkpoint
        assertEquals(1, verify(retained, jwks(KEYS)).status());
        CliRun ok = verify(retained, jwks(KEYS), "--from-checkpoint");
        assertEquals(0, ok.status(), ok.out());
    }

    @Test
    void aCutTailFailsAgainstTheCleanShutdownAndTheLatestPublishedCheckpoint() throws Exception {
        Path dir = tmp.resolve("cut");
        String latest = write(dir, KEYS, 1 << 20, 1, 20);
        Path f = file(dir, 1);
        TestLogs.edit(f, l -> new ArrayList<>(l.subList(0, l.size() - 4)));
        CliRun r = verify(dir, jwks(KEYS));
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains("does not end in the checkpoint of a clean shutdown, so it was cut or its node crashed: 17 record(s)"
                + " (seq 2..18) after its last checkpoint at " + f + ":1 (seq 1)"), r.out());
        Path published = tmp.resolve("latest.jws");
        Files.writeString(published, latest);
        CliRun against = verify(dir, jwks(KEYS), "--checkpoint", published.toString());
        assertEquals(1, against.status(), against.out());
        assertTrue(against.out().contains("the log is cut short: the node's latest published checkpoint signs seq 21, but the log ends"
                + " at seq 18"), against.out());
    }

    @Test
    void aCrashWithoutAShutdownCheckpointAndATornLastLineAreReported() throws Exception {
        Path dir = tmp.resolve("live");
        Path copy = tmp.resolve("crashed");
        try (AuditLog log = AuditLog.open(dir, TestLogs.options(1 << 20), ChainWriter.Device.SYSTEM,
                new CheckpointSigner(KEYS, "node-1"), Duration.ofHours(1))) {
            for (int i = 1; i <= 5; i++) {
                log.append(decision(i));
            }
            log.flush();
            Files.createDirectories(copy);
            Files.copy(file(dir, 1), file(copy, 1));   // what a killed process leaves: no shutdown checkpoint
        }
        CliRun r = verify(copy, jwks(KEYS));
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains("cut or its node crashed: 5 record(s) (seq 2..6) after its last checkpoint at " + file(copy, 1)
                + ":1 (seq 1)"), r.out());
        Files.writeString(file(copy, 1), "{\"seq\":7,\"prev\":\"" + hashOf(lines(file(copy, 1)).get(5)) + "\",\"type\":\"dec",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        CliRun torn = verify(copy, jwks(KEYS));
        assertEquals(1, torn.status(), torn.out());
        assertTrue(torn.out().contains("TORN: " + file(copy, 1) + ":7 (seq 7)"), torn.out());
        assertTrue(torn.out().contains("; the last line is torn"), torn.out());
        assertTrue(verify(dir, jwks(KEYS)).out().startsWith("OK: "), "the log closed cleanly verifies");
    }

    @Test
    void checkpointsOfARetiredKeyStillVerifyAfterARotation() throws Exception {
        Path dir = tmp.resolve("rotated");
        String oldPem = SigningKeys.generatePem();
        SigningKeys before = SigningKeys.of(oldPem, List.of());
        write(dir, before, 1 << 20, 1, 10);
        SigningKeys after = SigningKeys.of(SigningKeys.generatePem(), List.of(oldPem));
        write(dir, after, 1 << 20, 11, 20);
        assertEquals(2, after.publicKeys().getKeys().size(), "the rotated node serves its retired key too");
        CliRun r = verify(dir, jwks(after));
        assertEquals(0, r.status(), r.out());
        CliRun newOnly = verify(dir, jwks(SigningKeys.of(SigningKeys.generatePem(), List.of()), after.publicKeysCurrentOnly()));
        assertEquals(1, newOnly.status(), newOnly.out());
        assertTrue(newOnly.out().contains("which is not in the JWKS"), newOnly.out());
        assertFalse(Stream.of(r.out(), newOnly.out()).anyMatch(o -> o.contains("PRIVATE")));
    }

    @Test
    void checkpointsDueWhileTheLogCannotWriteWaitForItAndTheChainStaysAnchored() throws Exception {
        Path dir = tmp.resolve("outage");
        Path away = tmp.resolve("outage-away");
        AuditLog log = AuditLog.open(dir, TestLogs.options(1 << 20), ChainWriter.Device.SYSTEM,
                new CheckpointSigner(KEYS, "node-1"), Duration.ofMillis(300));
        log.append(decision(1));
        log.flush();   // written, its interval checkpoint not yet due
        Files.move(dir, away);
        Files.writeString(dir, "not a directory");
        log.append(decision(2));
        TestLogs.await("the write fails", () -> !log.status().healthy());
        Thread.sleep(700);   // the checkpoint falls due while the log cannot write (and its file is gone)
        Files.delete(dir);
        Files.move(away, dir);
        TestLogs.await("the log writes again", () -> log.status().healthy() && log.status().queued() == 0);
        log.append(decision(3));
        log.flush();
        log.close();
        CliRun r = verify(dir, jwks(KEYS));
        assertEquals(0, r.status(), r.out());
        String all = lines(file(dir, 1)) + "" + lines(file(dir, 2));
        assertTrue(all.contains("\"decision_id\":\"d-2\"") && all.contains("\"decision_id\":\"d-3\""), all);
    }
}
