package dev.countersign.pdp.audit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** Audit logs for tests: records, whole logs, and line-level edits of their files as an attacker makes them. */
final class TestLogs {
    private TestLogs() {
    }

    static AuditLog.Options options(long maxFileBytes) {
        return new AuditLog.Options(maxFileBytes, Duration.ofMillis(50), 100_000);
    }

    /** A decision record as the server writes one. */
    static Map<String, Object> decision(int i) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "decision");
        r.put("time", "2026-01-02T03:04:05.000Z");
        r.put("decision_id", "d-" + i);
        r.put("node", "node-1");
        r.put("caller", "gateway");
        r.put("input", Map.of("actor", Map.of("id", "agent:etl-bot", "type", "agent"),
                "action", Map.of("name", "data.export", "intent", "quarterly\nreport, \"q4\" — Zürich")));
        r.put("verdict", "allow");
        r.put("reasons", List.of(Map.of("rule", "exports are fine", "source", "policies/export.drl:3")));
        r.put("bundle_revision", "sha256:abc");
        r.put("eval_micros", 42);
        return r;
    }

    /** Writes records 1..n to a log in {@code dir} (continuing whatever is there) and closes it. */
    static void write(Path dir, AuditLog.Options options, int from, int to) throws IOException {
        try (AuditLog log = AuditLog.open(dir, options)) {
            for (int i = from; i <= to; i++) {
                log.append(decision(i));
            }
            log.flush();
        }
    }

    /** The file's lines, exactly (a last line without a newline included). */
    static List<String> lines(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    /** Rewrites the file's lines, each ending with a newline. */
    static void edit(Path file, UnaryOperator<List<String>> change) throws IOException {
        List<String> lines = change.apply(new ArrayList<>(lines(file)));
        Files.writeString(file, lines.isEmpty() ? "" : String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    /** The line's hash as the format defines it, computed from the text alone. */
    static String hashOf(String line) {
        String body = line.substring(0, line.lastIndexOf(",\"hash\":\"")) + "}";
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The line with its hash recomputed, as a forger who knows the format writes it. */
    static String rehash(String line) {
        return line.substring(0, line.lastIndexOf(",\"hash\":\"")) + ",\"hash\":\"" + hashOf(line) + "\"}";
    }

    static Path file(Path dir, int index) {
        return dir.resolve(AuditFiles.name(index));
    }

    /** Waits (up to ten seconds) for the condition; fails with {@code what} when it does not come. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
