package dev.countersign.pdp.cli;

import dev.countersign.pdp.audit.AuditVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code countersign audit verify PATH}: checks the hash chain of an audit log offline. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Work with the audit log.",
        subcommands = AuditCommand.Verify.class)
final class AuditCommand {

    /** {@code countersign audit verify PATH}. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check an audit log file, or every audit-NNNNNN.jsonl file of a directory in order as one chain: "
                    + "every record's hash, prev and seq. Names the first broken record.",
                    "Exits 0 when the chain is intact (warnings aside), 1 when a record is broken, "
                            + "2 when PATH is missing, unreadable or holds no audit files."})
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATH", description = "An audit file, or the audit directory.")
        Path path;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.exists(path)) {
                err.println(path + ": no such file or directory");
                err.flush();
                return CountersignCommand.BAD_INPUT;
            }
            AuditVerifier.Result r;
            try {
                r = AuditVerifier.verify(path);
            } catch (IOException e) {
                err.println(path + ": cannot be read: " + e);
                err.flush();
                return CountersignCommand.BAD_INPUT;
            }
            if (r.files() == 0) {
                err.println(path + ": no audit files (audit-NNNNNN.jsonl) in this directory");
                err.flush();
                return CountersignCommand.BAD_INPUT;
            }
            if (r.intact()) {
                out.println("OK: " + count(r.records(), "record") + " in " + count(r.files(), "file") + ", chain intact"
                        + (r.records() == 0 ? "" : " (seq " + r.firstSeq() + ".." + r.lastSeq() + ")"));
            } else {
                String seq = r.firstBrokenSeq() != null ? " (seq " + r.firstBrokenSeq() + ")"
                        : r.records() > 0 ? " (after seq " + r.lastSeq() + ")" : "";
                out.println("BROKEN: " + r.firstBrokenFile() + ":" + r.firstBrokenLine() + seq + ": " + r.problem());
                if (r.records() > 0) {
                    out.println("  intact before it: " + count(r.records(), "record") + " (seq " + r.firstSeq() + ".."
                            + r.lastSeq() + ")");
                }
            }
            for (String w : r.warnings()) {
                out.println("WARNING: " + w);
            }
            out.flush();
            return r.intact() ? CountersignCommand.OK : CountersignCommand.FAILED;
        }

        private static String count(long n, String noun) {
            return n + " " + noun + (n == 1 ? "" : "s");
        }
    }
}
