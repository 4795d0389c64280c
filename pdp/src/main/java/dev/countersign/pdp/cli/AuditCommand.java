package dev.countersign.pdp.cli;

import dev.countersign.cluster.ClusterSecret;
import dev.countersign.pdp.audit.AuditVerifier;
import dev.countersign.pdp.decision.ContextHash;
import dev.countersign.pdp.http.DecisionsHandler;
import dev.countersign.rules.json.ActionContextJson;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code countersign audit verify PATH [--jwks FILE|URL [--from-checkpoint] [--checkpoint JWS|FILE]]}: checks the
 * hash chain of an audit log offline (no key is needed: the chain hashes are plain SHA-256 of the masked lines),
 * and with {@code --jwks} its signed checkpoints too; {@code countersign audit hash}:
 * the keyed {@code input_hash} a cluster records for an action context, to find its records.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Work with the audit log.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Hash.class, AuditSearchCommand.class, AuditReportCommand.class})
final class AuditCommand {

    /** {@code countersign audit hash --input FILE [--secret-file FILE]}. */
    @Command(name = "hash", mixinStandardHelpOptions = true,
            description = {"Print the input_hash a cluster records for an action context (a decision request body), so its"
                    + " records can be found: grep the printed value in the audit log.",
                    "The hash is keyed with the cluster secret: from COUNTERSIGN_CLUSTER_SECRET, or --secret-file (a single"
                            + " node's data/cluster.secret). Exits 2 when the input or the secret cannot be read."})
    static final class Hash implements Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "FILE",
                description = "The action context (JSON); - for standard input.")
        String input;

        @Option(names = "--secret-file", paramLabel = "FILE", description = "A file holding the cluster secret.")
        Path secretFile;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            ClusterSecret secret;
            try {
                String fromEnv = System.getenv("COUNTERSIGN_CLUSTER_SECRET");
                if (secretFile != null) {
                    secret = ClusterSecret.of(Files.readString(secretFile));
                } else if (fromEnv != null && !fromEnv.isBlank()) {
                    secret = ClusterSecret.of(fromEnv);
                } else {
                    err.println("countersign audit hash: give the cluster secret in COUNTERSIGN_CLUSTER_SECRET or with --secret-file");
                    err.flush();
                    return CountersignCommand.BAD_INPUT;
                }
                byte[] body = input.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(input));
                var context = new ActionContextReader(
                        ActionContextReader.DEFAULT_MAX_DEPTH, DecisionsHandler.ENVELOPE)
                        .readDocument(body).context();
                spec.commandLine().getOut().println(new ContextHash(secret)
                        .of(ActionContextJson.toTree(context)));
                spec.commandLine().getOut().flush();
                return CountersignCommand.OK;
            } catch (IOException | IllegalArgumentException e) {
                err.println("countersign audit hash: " + e.getMessage());
                err.flush();
                return CountersignCommand.BAD_INPUT;
            } catch (InvalidInputException e) {
                err.println("countersign audit hash: " + input + ": " + e.describe());
                err.flush();
                return CountersignCommand.BAD_INPUT;
            }
        }
    }

    /** {@code countersign audit verify PATH}. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check an audit log file, or every audit-NNNNNN.jsonl file of a directory in order as one chain: "
                    + "every record's hash, prev and seq. Names the first broken record.",
                    "A TORN line is the incomplete last line of a file that a write cut short by a crash leaves (the"
                            + " chain continues after the record before it); it is not a broken record.",
                    "With --jwks the check is anchored in the log's signed checkpoints: a chain rewritten with its hashes"
                            + " recomputed, a missing head, a tail cut before --checkpoint and a log not ended by a clean shutdown"
                            + " (cut or crashed) are BROKEN too, each with its place.",
                    "Exits 0 when the chain is intact (torn lines and warnings aside), 1 when a record is broken, "
                            + "2 when PATH is missing, unreadable or holds no audit files, or the keys cannot be read."})
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATH", description = "An audit file, or the audit directory.")
        Path path;

        @Option(names = "--jwks", paramLabel = "FILE|URL",
                description = {"The public keys of the nodes that wrote the log (a JWK Set file, or a node's /.well-known/jwks.json):"
                        + " anchors the check in its signed checkpoints. Then a rewritten chain, a missing head, a tail cut before"
                        + " --checkpoint, and a log that does not end in the checkpoint of a clean shutdown (cut or crashed) fail."})
        String jwks;

        @Option(names = "--from-checkpoint",
                description = "With --jwks: the files may begin at a signed checkpoint (earlier files removed by retention).")
        boolean fromCheckpoint;

        @Option(names = "--checkpoint", paramLabel = "JWS|FILE",
                description = "With --jwks: the node's latest published checkpoint (its jws, or a file holding it); the log must reach it.")
        String checkpoint;

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
                AuditVerifier.Anchors anchors = null;
                if (jwks != null) {
                    String latest = checkpoint == null ? null
                            : Files.isRegularFile(Path.of(checkpoint)) ? Files.readString(Path.of(checkpoint)).trim() : checkpoint;
                    anchors = new AuditVerifier.Anchors(JwksSource.load(jwks), fromCheckpoint, latest);
                } else if (fromCheckpoint || checkpoint != null) {
                    err.println("--from-checkpoint and --checkpoint need --jwks, the keys the checkpoints are checked with");
                    err.flush();
                    return CountersignCommand.BAD_INPUT;
                }
                r = AuditVerifier.verify(path, anchors);
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
                        + (r.records() == 0 ? "" : " (seq " + r.firstSeq() + ".." + r.lastSeq() + ")")
                        + (jwks == null ? "" : ", every checkpoint signed, ended by a clean shutdown"));
            } else {
                String seq = r.firstBrokenSeq() != null ? " (seq " + r.firstBrokenSeq() + ")"
                        : r.records() > 0 ? " (after seq " + r.lastSeq() + ")" : "";
                out.println("BROKEN: " + r.firstBrokenFile() + ":" + r.firstBrokenLine() + seq + ": " + r.problem());
                if (r.records() > 0) {
                    out.println("  intact before it: " + count(r.records(), "record") + " (seq " + r.firstSeq() + ".."
                            + r.lastSeq() + ")");
                }
            }
            for (String t : r.torn()) {
                out.println("TORN: " + t);
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
