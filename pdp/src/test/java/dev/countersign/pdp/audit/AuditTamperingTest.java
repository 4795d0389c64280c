package dev.countersign.pdp.audit;

import static dev.countersign.pdp.audit.TestLogs.edit;
import static dev.countersign.pdp.audit.TestLogs.file;
import static dev.countersign.pdp.audit.TestLogs.options;
import static dev.countersign.pdp.audit.TestLogs.rehash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the verifier says about a log someone changed: one case per kind of change, each applied to a
 * freshly written log. {@code ONE_FILE} holds seq 1..10 on lines 1..10 of audit-000001.jsonl;
 * {@code FILE_PER_RECORD} holds seq N alone in audit-00000N.jsonl, N = 1..5.
 */
class AuditTamperingTest {
    private static final String PREV_MISMATCH = "prev does not match the hash of the record before (a record was removed or reordered)";

    enum Layout { ONE_FILE, FILE_PER_RECORD }

    @FunctionalInterface
    interface Tamper {
        void apply(Path dir) throws IOException;
    }

    /** What the verifier must report; {@code file} is an audit file number, 0 when intact. */
    record Expect(boolean intact, long records, int file, long line, Long seq, String problem, String warning, String torn) {
        static Expect broken(int file, long line, Long seq, String problem) {
            return new Expect(false, -1, file, line, seq, problem, null, null);
        }

        static Expect intactWithWarning(long records, String warning) {
            return new Expect(true, records, 0, 0, null, null, warning, null);
        }

        /** Intact, with one torn line reported, and no warning. */
        static Expect intactWithTornLine(long records, String torn) {
            return new Expect(true, records, 0, 0, null, null, null, torn);
        }
    }

    record Case(String name, Layout layout, Tamper tamper, Expect expect) {
    }

    @TempDir
    Path tmp;

    static List<Case> cases() {
        return List.of(
                new Case("an edited field", Layout.ONE_FILE, lines(l -> l.set(4, l.get(4).replace("\"verdict\":\"allow\"", "\"verdict\":\"deny\""))),
                        Expect.broken(1, 5, 5L, "hash mismatch (the record was edited)")),
                new Case("an edited field with its hash recomputed", Layout.ONE_FILE,
                        lines(l -> l.set(4, rehash(l.get(4).replace("\"verdict\":\"allow\"", "\"verdict\":\"deny\"")))),
                        Expect.broken(1, 6, 6L, PREV_MISMATCH)),
                new Case("a removed record", Layout.ONE_FILE, lines(l -> l.remove(4)),
                        Expect.broken(1, 5, 6L, "seq 6 follows seq 4, and " + PREV_MISMATCH)),
                new Case("two records swapped", Layout.ONE_FILE, lines(l -> Collections.swap(l, 3, 4)),
                        Expect.broken(1, 4, 5L, "seq 5 follows seq 3, and " + PREV_MISMATCH)),
                new Case("a record repeated", Layout.ONE_FILE, lines(l -> l.add(5, l.get(4))),
                        Expect.broken(1, 6, 5L, "seq 5 follows seq 5, and " + PREV_MISMATCH)),
                new Case("a renumbered record with its hash recomputed", Layout.ONE_FILE,
                        lines(l -> l.set(4, rehash(l.get(4).replace("{\"seq\":5,", "{\"seq\":50,")))),
                        Expect.broken(1, 5, 50L, "seq 50 follows seq 4")),
                new Case("a line that is not JSON", Layout.ONE_FILE, lines(l -> l.set(4, "hello")),
                        Expect.broken(1, 5, null, "not valid JSON: Unrecognized token 'hello'")),
                new Case("a line cut short in the middle of the file", Layout.ONE_FILE, lines(l -> l.set(4, l.get(4).substring(0, 100))),
                        Expect.broken(1, 5, null, "not valid JSON: Unexpected end-of-input")),
                new Case("an empty line", Layout.ONE_FILE, lines(l -> l.add(4, "")),
                        Expect.broken(1, 5, null, "empty line, not an audit record")),
                new Case("the hash field removed", Layout.ONE_FILE,
                        lines(l -> l.set(4, l.get(4).substring(0, l.get(4).lastIndexOf(",\"hash\":")) + "}")),
                        Expect.broken(1, 5, null, "not an audit record: the last field is not \"hash\"")),
                new Case("the hash field reformatted", Layout.ONE_FILE, lines(l -> l.set(4, l.get(4).replace(",\"hash\":\"", ", \"hash\": \""))),
                        Expect.broken(1, 5, null, "not an audit record: the line does not end with ,\"hash\":\"<64 hex digits>\"}")),
                new Case("a second hash field", Layout.ONE_FILE, lines(l -> l.set(4, l.get(4).replace(",\"hash\":\"", ",\"hash\":\"x\",\"hash\":\""))),
                        Expect.broken(1, 5, null, "not valid JSON: Duplicate field 'hash'")),
                new Case("line ends changed to CRLF", Layout.ONE_FILE, lines(l -> l.replaceAll(s -> s + "\r")),
                        Expect.broken(1, 1, null, "not an audit record: the line does not end with ,\"hash\":\"<64 hex digits>\"}")),
                new Case("the first record removed", Layout.ONE_FILE, lines(l -> l.remove(0)),
                        Expect.intactWithWarning(9, "audit-000001.jsonl:1: the chain starts mid-way, at seq 2")),
                new Case("a new chain start forged on a later record", Layout.ONE_FILE,
                        lines(l -> {
                            l.remove(0);
                            l.set(0, rehash(l.get(0).replaceFirst("\"prev\":\"[0-9a-f]{64}\"", "\"prev\":\"" + RecordLine.ZERO_HASH + "\"")));
                        }),
                        Expect.broken(1, 1, 2L, "the chain starts (prev is all zeros) at seq 2, not 1")),
                new Case("the last line torn", Layout.ONE_FILE, dir -> {
                            List<String> l = TestLogs.lines(file(dir, 1));
                            l.set(9, l.get(9).substring(0, 100));
                            Files.writeString(file(dir, 1), String.join("\n", l), StandardCharsets.UTF_8);
                        },
                        Expect.intactWithTornLine(9, "audit-000001.jsonl:10 (seq 10): the last line is incomplete (a write cut short by a crash);"
                                + " it is not part of the chain, which continues after seq 9")),
                new Case("the last line cut to a few bytes", Layout.ONE_FILE, dir -> {
                            List<String> l = TestLogs.lines(file(dir, 1));
                            l.set(9, l.get(9).substring(0, 5));
                            Files.writeString(file(dir, 1), String.join("\n", l), StandardCharsets.UTF_8);
                        },
                        Expect.intactWithTornLine(9, "audit-000001.jsonl:10 (seq 10): the last line is incomplete")),
                new Case("an incomplete last line that is not the beginning of the next record", Layout.ONE_FILE,
                        dir -> Files.writeString(file(dir, 1), "{\"seq\":12,\"prev\":\"00", StandardOpenOption.APPEND),
                        Expect.broken(1, 11, null, "the last line is incomplete and is not the beginning of the record that should come next"
                                + " (seq 11 after the hash of seq 10), so no cut-short write left it: it was changed")),
                new Case("an incomplete last line with another prev", Layout.ONE_FILE, dir -> {
                            List<String> l = TestLogs.lines(file(dir, 1));
                            l.set(9, l.get(9).substring(0, 60).replace("\"prev\":\"", "\"prev\":\"f").substring(0, 60));
                            Files.writeString(file(dir, 1), String.join("\n", l), StandardCharsets.UTF_8);
                        },
                        Expect.broken(1, 10, null, "the last line is incomplete and is not the beginning of the record that should come next")),
                new Case("a middle file removed", Layout.FILE_PER_RECORD, dir -> Files.delete(file(dir, 3)),
                        Expect.broken(4, 1, 4L, "seq 4 follows seq 2, and " + PREV_MISMATCH)),
                new Case("two files swapped", Layout.FILE_PER_RECORD, dir -> {
                            Files.move(file(dir, 2), dir.resolve("x"));
                            Files.move(file(dir, 3), file(dir, 2));
                            Files.move(dir.resolve("x"), file(dir, 3));
                        },
                        Expect.broken(2, 1, 3L, "seq 3 follows seq 1, and " + PREV_MISMATCH)),
                new Case("a record edited in a later file", Layout.FILE_PER_RECORD,
                        lines(4, l -> l.set(0, l.get(0).replace("\"caller\":\"gateway\"", "\"caller\":\"someone\""))),
                        Expect.broken(4, 1, 4L, "hash mismatch (the record was edited)")),
                new Case("the oldest file removed (retention)", Layout.FILE_PER_RECORD, dir -> Files.delete(file(dir, 1)),
                        Expect.intactWithWarning(4, "audit-000002.jsonl:1: the chain starts mid-way, at seq 2")),
                new Case("a torn line after the last record of a file, the chain continuing past it", Layout.FILE_PER_RECORD,
                        dir -> Files.writeString(file(dir, 2), "{\"seq\":3,\"prev\":\""
                                + TestLogs.hashOf(TestLogs.lines(file(dir, 2)).get(0)).substring(0, 10), StandardOpenOption.APPEND),
                        Expect.intactWithTornLine(5, "audit-000002.jsonl:2 (seq 3): the last line is incomplete")),
                new Case("the last record of a middle file cut short", Layout.FILE_PER_RECORD, dir -> {
                            String text = Files.readString(file(dir, 2));
                            Files.writeString(file(dir, 2), text.substring(0, text.length() / 2));
                        },
                        Expect.broken(3, 1, 3L, "seq 3 follows seq 1, and " + PREV_MISMATCH + "; the torn line at ")),
                new Case("a stray file beside the audit files (ignored)", Layout.FILE_PER_RECORD,
                        dir -> Files.writeString(dir.resolve("audit-000002.jsonl.bak"), "junk"),
                        Expect.intactWithWarning(5, null)));
    }

    @TestFactory
    Stream<DynamicTest> theVerifierNamesTheFirstBrokenRecord() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path dir = tmp.resolve(c.name().replaceAll("[^a-z0-9]+", "-"));
            if (c.layout() == Layout.ONE_FILE) {
                TestLogs.write(dir, options(1 << 20), 1, 10);
            } else {
                TestLogs.write(dir, options(1), 1, 5);
            }
            assertTrue(AuditVerifier.verify(dir).intact(), "intact before the change");
            c.tamper().apply(dir);

            AuditVerifier.Result r = AuditVerifier.verify(dir);
            Expect e = c.expect();
            if (e.intact()) {
                assertTrue(r.intact(), r.toString());
                assertEquals(e.records(), r.records());
                if (e.warning() == null) {
                    assertEquals(List.of(), r.warnings());
                } else {
                    assertEquals(1, r.warnings().size(), r.warnings().toString());
                    assertTrue(r.warnings().get(0).startsWith(dir.resolve(e.warning()).toString()), r.warnings().get(0));
                }
                if (e.torn() == null) {
                    assertEquals(List.of(), r.torn());
                } else {
                    assertEquals(1, r.torn().size(), r.torn().toString());
                    assertTrue(r.torn().get(0).startsWith(dir.resolve(e.torn()).toString()), r.torn().get(0));
                }
            } else {
                assertFalse(r.intact(), "not detected: " + r);
                assertEquals(file(dir, e.file()).toString(), r.firstBrokenFile(), r.toString());
                assertEquals(e.line(), r.firstBrokenLine(), r.toString());
                assertEquals(e.seq(), r.firstBrokenSeq(), r.toString());
                assertTrue(r.problem().startsWith(e.problem()), "problem: " + r.problem());
            }
        }));
    }

    private static Tamper lines(Consumer<List<String>> change) {
        return lines(1, change);
    }

    private static Tamper lines(int file, Consumer<List<String>> change) {
        return dir -> edit(file(dir, file), l -> {
            change.accept(l);
            return l;
        });
    }
}
