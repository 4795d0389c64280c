package dev.countersign.pdp.audit;

import static dev.countersign.pdp.audit.TestLogs.file;
import static dev.countersign.pdp.audit.TestLogs.options;
import static dev.countersign.pdp.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code countersign audit verify PATH} as an auditor runs it: one summary line, the exit code. */
class AuditCommandTest {
    @TempDir
    Path tmp;


    @Test
    void anIntactDirectoryExitsZeroWithASummary() throws IOException {
        Path dir = tmp.resolve("audit");
        TestLogs.write(dir, options(1), 1, 3);
        CliRun r = run("audit", "verify", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("OK: 3 records in 3 files, chain intact (seq 1..3)\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void aBrokenRecordExitsOneNamingFileLineAndSeq() throws IOException {
        Path dir = tmp.resolve("audit");
        TestLogs.write(dir, options(1 << 20), 1, 4);
        TestLogs.write(dir, options(1), 5, 7);
        Path second = file(dir, 2);
        TestLogs.edit(second, l -> {
            l.set(0, l.get(0).replace("\"verdict\":\"allow\"", "\"verdict\":\"deny\""));
            return l;
        });
        CliRun r = run("audit", "verify", dir.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals("BROKEN: " + second + ":1 (seq 5): hash mismatch (the record was edited)\n"
                + "  intact before it: 4 records (seq 1..4)\n", r.out());
    }

    @Test
    void oneFileAloneIsCheckedWithAWarningThatItStartsMidChain() throws IOException {
        Path dir = tmp.resolve("audit");
        TestLogs.write(dir, options(1), 1, 3);
        CliRun r = run("audit", "verify", file(dir, 2).toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of("OK: 1 record in 1 file, chain intact (seq 2..2)",
                "WARNING: " + file(dir, 2) + ":1: the chain starts mid-way, at seq 2 (earlier files removed by retention, or one file checked alone)"),
                r.out().lines().toList());
    }

    @Test
    void aTornLastLineExitsZeroNamedAsTornNotAsBroken() throws IOException {
        Path dir = tmp.resolve("audit");
        TestLogs.write(dir, options(1 << 20), 1, 3);
        String third = TestLogs.lines(file(dir, 1)).get(2);
        Files.writeString(file(dir, 1), "{\"seq\":4,\"prev\":\"" + TestLogs.hashOf(third) + "\",\"ty",
                java.nio.file.StandardOpenOption.APPEND);
        CliRun r = run("audit", "verify", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertEquals(List.of("OK: 3 records in 1 file, chain intact (seq 1..3)",
                "TORN: " + file(dir, 1) + ":4 (seq 4): the last line is incomplete (a write cut short by a crash);"
                        + " it is not part of the chain, which continues after seq 3"), r.out().lines().toList());

        TestLogs.write(dir, options(1 << 20), 4, 4);
        r = run("audit", "verify", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertEquals("OK: 5 records in 2 files, chain intact (seq 1..5)", r.out().lines().findFirst().orElseThrow(),
                "the restart noted the torn line (seq 4) and went on (seq 5)");
        assertTrue(r.out().contains("\nTORN: " + file(dir, 1) + ":4 (seq 4)"), r.out());
    }

    @Test
    void anIncompleteLastLineThatNoWriteLeftIsBroken() throws IOException {
        Path dir = tmp.resolve("audit");
        TestLogs.write(dir, options(1 << 20), 1, 3);
        Files.writeString(file(dir, 1), "{\"seq\":4,\"prev\":\"" + "0".repeat(20), java.nio.file.StandardOpenOption.APPEND);
        CliRun r = run("audit", "verify", dir.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("BROKEN: " + file(dir, 1) + ":4 (after seq 3): the last line is incomplete and is not the"
                + " beginning of the record that should come next"), r.out());
    }

    @Test
    void aMissingPathExitsTwo() {
        Path missing = tmp.resolve("nope");
        CliRun r = run("audit", "verify", missing.toString());
        assertEquals(2, r.status());
        assertEquals(missing + ": no such file or directory\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void aDirectoryWithoutAuditFilesExitsTwo() throws IOException {
        Files.writeString(tmp.resolve("notes.txt"), "hello");
        CliRun r = run("audit", "verify", tmp.toString());
        assertEquals(2, r.status());
        assertEquals(tmp + ": no audit files (audit-NNNNNN.jsonl) in this directory\n", r.err());
    }

    @Test
    void auditWithoutASubcommandIsAUsageError() {
        CliRun r = run("audit");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Missing required subcommand"), r.err());
        assertTrue(r.err().contains("verify"), r.err());
    }
}
