package dev.countersign.pdp.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks an audit log offline, line by line, against the format {@link AuditLog} documents: each hash
 * is recomputed from the line's text, each {@code prev} must be the hash of the record before, and each
 * {@code seq} one more than the one before. A directory's audit files are checked in order of their
 * number as one chain; other files in it are ignored.
 *
 * <p>The first problem ends the check and is reported with its file, line and seq: a line that is not
 * valid JSON or not an audit record, a hash that does not match the text (the record was edited), a
 * {@code prev} that does not match the record before (a record was removed, inserted or reordered), a
 * seq that does not follow. A chain that starts mid-way is a warning, not a failure: its first record's
 * {@code prev} is not 64 zeros because earlier files were removed by retention, or one file is checked
 * alone. A first record with {@code prev} all zeros must have seq 1.
 *
 * <p>A torn line is reported as such, apart from failures and warnings: the last line of a file,
 * without a newline, that is not a complete record but is the beginning of the record that should
 * come next (its text so far matches <code>{"seq":N,"prev":"&lt;hash of the record before&gt;"</code> as
 * far as it goes). A write cut short by a crash or a full disk leaves one; it never became part of the chain,
 * so the chain must continue from the record before it, and is checked to do so. An incomplete last
 * line that is not such a beginning was not left by a cut-short write, and is a broken record; a record
 * cut short by someone shows as a broken {@code prev} in the record after it (or, at the very end of
 * the log, as a torn line: the two cannot be told apart there).
 *
 * <p>As with any hash chain, records cut off at the end of the newest file leave no trace here; compare
 * {@link Result#lastSeq()} with the tip kept elsewhere (see {@link AuditLog}).
 */
public final class AuditVerifier {
    private AuditVerifier() {
    }

    /**
     * The outcome of a check.
     *
     * @param intact no record is broken (there may be warnings)
     * @param records records checked and found intact
     * @param files files checked
     * @param firstBrokenFile the file of the first broken record, or null
     * @param firstBrokenLine its line number (from 1), or 0
     * @param firstBrokenSeq its seq, or null when the line cannot be read as a record
     * @param problem what is wrong with it, or null
     * @param firstSeq the seq of the first intact record, or 0 when there is none
     * @param lastSeq the seq of the last intact record (before the broken one), or 0 when there is none
     * @param warnings {@code file:line: message} of each warning, in order
     * @param torn {@code file:line (seq N): message} of each torn line, in order
     */
    public record Result(boolean intact, long records, int files, String firstBrokenFile, long firstBrokenLine,
                         Long firstBrokenSeq, String problem, long firstSeq, long lastSeq, List<String> warnings,
                         List<String> torn) {
        public Result {
            warnings = List.copyOf(warnings);
            torn = List.copyOf(torn);
        }
    }

    /**
     * Checks a log file, or every audit file of a directory in order, as one chain. A directory without
     * audit files gives an intact result with {@code files == 0}.
     *
     * @throws NoSuchFileException when the path does not exist
     * @throws IOException when a file cannot be read
     */
    public static Result verify(Path fileOrDirectory) throws IOException {
        return verify(fileOrDirectory, null);
    }

    /**
     * What an anchored check holds the log to: the public keys of the nodes that wrote it, whether the files may
     * begin at a signed checkpoint instead of seq 1, and the latest checkpoint the node published (its JWS), if known.
     */
    public record Anchors(com.nimbusds.jose.jwk.JWKSet keys, boolean fromCheckpoint, String latestCheckpoint) {
    }

    /**
     * As {@link #verify(Path)}; with {@code anchors} (non-null), also anchored by signed {@link Checkpoints}: every
     * checkpoint's signature must verify with the keys and sign the hash of the record before it (a chain rewritten
     * and recomputed fails at the first checkpoint after the change); the chain must start at seq 1 (records removed
     * from the head fail) unless {@code fromCheckpoint} and the files begin at a signed checkpoint; the log must reach
     * the node's latest published checkpoint, with the hash it signed (a cut tail fails); and it must end in the
     * checkpoint of a clean shutdown, else it is reported as cut or crashed, naming the records after its last checkpoint.
     */
    public static Result verify(Path fileOrDirectory, Anchors anchors) throws IOException {
        if (!Files.exists(fileOrDirectory)) {
            throw new NoSuchFileException(fileOrDirectory.toString());
        }
        List<Path> files = Files.isDirectory(fileOrDirectory) ? AuditFiles.list(fileOrDirectory) : List.of(fileOrDirectory);
        Check check = new Check(anchors);
        for (Path file : files) {
            check.files++;
            if (!check.file(file)) {
                break;
            }
        }
        return check.result();
    }

    /** The state of one check along the chain. */
    private static final class Check {
        private final Anchors anchors;
        private final CheckpointCheck checkpoints;
        /** The latest published checkpoint, as signed, or null. */
        private CheckpointCheck.Signed latest;
        private boolean latestReached;
        /** {@code file:line (seq N)} and kind of the last checkpoint, and the records since it. */
        private String lastCheckpointAt;
        private String lastKind;
        private long sinceCheckpoint;
        private long firstSinceCheckpoint;
        private Path lastFile;
        private long lastLine;

        Check(Anchors anchors) {
            this.anchors = anchors;
            this.checkpoints = anchors == null ? null : new CheckpointCheck(anchors.keys());
            if (anchors != null && anchors.latestCheckpoint() != null) {
                try {
                    latest = checkpoints.token(anchors.latestCheckpoint().trim());
                } catch (CheckpointCheck.Invalid e) {
                    problem = "the latest published checkpoint given does not hold: " + e.getMessage();
                    brokenFile = "(latest checkpoint)";
                }
            }
        }

        private final MessageDigest sha256 = RecordLine.sha256();
        private final List<String> warnings = new ArrayList<>();
        private final List<String> torn = new ArrayList<>();
        private int files;
        private long records;
        private long firstSeq;
        private long lastSeq;
        private String lastHash;
        /** {@code file:line} of a torn line the chain should have continued over, since the last record. */
        private String tornBefore;
        private String brokenFile;
        private long brokenLine;
        private Long brokenSeq;
        private String problem;

        /** Checks one file; false when a record is broken. */
        boolean file(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                Lines lines = new Lines(in);
                long number = 0;
                while (lines.next()) {
                    number++;
                    if (!line(file, number, lines)) {
                        return false;
                    }
                }
            }
            return true;
        }

        private boolean line(Path file, long number, Lines line) {
            String where = file + ":" + number;
            RecordLine.Parsed r;
            try {
                r = RecordLine.parse(line.bytes(), line.length(), sha256);
            } catch (RecordLine.NotARecord e) {
                if (line.terminated()) {
                    return broken(file, number, null, e.getMessage());
                }
                byte[] expected = RecordLine.ascii(lastHash == null ? "{\"seq\":"
                        : "{\"seq\":" + (lastSeq + 1) + ",\"prev\":\"" + lastHash + "\"");
                int n = Math.min(expected.length, line.length());
                if (!Arrays.equals(line.bytes(), 0, n, expected, 0, n)) {
                    return broken(file, number, null, "the last line is incomplete and is not the beginning of the record that"
                            + " should come next" + (lastHash == null ? "" : " (seq " + (lastSeq + 1) + " after the hash of seq " + lastSeq + ")")
                            + ", so no cut-short write left it: it was changed");
                }
                torn.add(where + (lastHash == null ? "" : " (seq " + (lastSeq + 1) + ")")
                        + ": the last line is incomplete (a write cut short by a crash); it is not part of the chain"
                        + (lastHash == null ? "" : ", which continues after seq " + lastSeq));
                tornBefore = where;
                return true;
            }
            if (!r.hashMatches()) {
                return broken(file, number, r.seq(), "hash mismatch (the record was edited)");
            }
            boolean checkpoint = anchors != null && Checkpoints.isCheckpoint(line.bytes(), line.length());
            if (checkpoint) {
                CheckpointCheck.Signed signed;
                try {
                    signed = checkpoints.line(line.bytes(), line.length());
                } catch (CheckpointCheck.Invalid e) {
                    return broken(file, number, r.seq(), e.getMessage());
                }
                if (!signed.hash().equals(r.prev()) || signed.seq() != r.seq() - 1) {
                    return broken(file, number, r.seq(), "the checkpoint signed seq " + signed.seq() + " with hash " + signed.hash()
                            + ", but the record before it is seq " + (r.seq() - 1) + " with hash " + r.prev()
                            + ": the chain before it was rewritten and its hashes recomputed");
                }
            }
            if (anchors != null && lastHash == null) {
                if (!r.prev().equals(RecordLine.ZERO_HASH) && !(anchors.fromCheckpoint() && checkpoint)) {
                    return broken(file, number, r.seq(), anchors.fromCheckpoint()
                            ? "the files do not begin at a signed checkpoint (their first record is seq " + r.seq() + ", not a checkpoint)"
                            : "the head of the log is missing: the chain starts at seq " + r.seq() + ", not 1 (records before it were"
                            + " removed); if earlier files were removed by retention and these begin at a signed checkpoint, say so"
                            + " with --from-checkpoint");
                }
            }
            if (lastHash == null) {
                if (r.prev().equals(RecordLine.ZERO_HASH)) {
                    if (r.seq() != 1) {
                        return broken(file, number, r.seq(), "the chain starts (prev is all zeros) at seq " + r.seq() + ", not 1");
                    }
                } else {
                    warnings.add(where + ": the chain starts mid-way, at seq " + r.seq()
                            + " (earlier files removed by retention, or one file checked alone)");
                }
                firstSeq = r.seq();
            } else {
                String problem = chainProblem(r);
                if (problem != null) {
                    return broken(file, number, r.seq(), problem);
                }
            }
            records++;
            lastSeq = r.seq();
            lastHash = r.hash();
            tornBefore = null;
            lastFile = file;
            lastLine = number;
            if (anchors != null) {
                if (checkpoint) {
                    if (lastKind != null && !Checkpoints.SHUTDOWN.equals(lastKind) && Checkpoints.START.equals(kindOf(line))
                            && sinceCheckpoint > 0) {
                        warnings.add(where + ": the log was restarted after a crash: " + sinceCheckpoint + " record(s) (seq "
                                + firstSinceCheckpoint + ".." + (r.seq() - 1) + ") were written after the checkpoint at "
                                + lastCheckpointAt + " and before it, without a checkpoint of their own");
                    }
                    lastCheckpointAt = where + " (seq " + r.seq() + ")";
                    lastKind = kindOf(line);
                    sinceCheckpoint = 0;
                } else {
                    if (sinceCheckpoint++ == 0) {
                        firstSinceCheckpoint = r.seq();
                    }
                }
                if (latest != null && r.seq() == latest.seq() + 1 && r.prev().equals(latest.hash())) {
                    latestReached = true;
                } else if (latest != null && r.seq() == latest.seq() && !r.hash().equals(latest.hash())) {
                    return broken(file, number, r.seq(), "the node's latest published checkpoint signed seq " + latest.seq()
                            + " with hash " + latest.hash() + ", but this record hashes to " + r.hash());
                }
            }
            return true;
        }

        private static String kindOf(Lines line) {
            String text = new String(line.bytes(), 0, line.length(), java.nio.charset.StandardCharsets.UTF_8);
            int at = text.indexOf("\"kind\":\"");
            int end = at < 0 ? -1 : text.indexOf('"', at + 8);
            return at < 0 || end < 0 ? "" : text.substring(at + 8, end);
        }

        /** After the last line, with nothing broken: the anchored end-of-log checks. */
        private void anchoredEnd() {
            if (latest != null && !latestReached && !(lastSeq > latest.seq())) {
                problem = "the log is cut short: the node's latest published checkpoint signs seq " + latest.seq()
                        + ", but the log ends at seq " + lastSeq;
                brokenFile = lastFile == null ? "(no records)" : lastFile.toString();
                brokenLine = lastLine;
                return;
            }
            if (records > 0 && latest != null && !latestReached && lastSeq > latest.seq()) {
                latestReached = true;   // reached and passed: the position check above compared its hash
            }
            if (records > 0 && !Checkpoints.SHUTDOWN.equals(lastKind) || records > 0 && sinceCheckpoint > 0) {
                brokenFile = lastFile.toString();
                brokenLine = lastLine;
                problem = "the log does not end in the checkpoint of a clean shutdown, so it was cut or its node crashed: "
                        + (lastCheckpointAt == null ? "no checkpoint at all"
                        : sinceCheckpoint == 0 ? "its last checkpoint, at " + lastCheckpointAt + ", is of kind " + lastKind
                        : sinceCheckpoint + " record(s) (seq " + firstSinceCheckpoint + ".." + lastSeq + ") after its last checkpoint at "
                        + lastCheckpointAt)
                        + (torn.isEmpty() ? "" : "; the last line is torn");
            }
        }

        private String chainProblem(RecordLine.Parsed r) {
            long expected = lastSeq + 1;
            if (!r.prev().equals(lastHash)) {
                String seq = r.seq() == expected ? "" : "seq " + r.seq() + " follows seq " + lastSeq + ", and ";
                String torn = tornBefore == null ? ""
                        : "; the torn line at " + tornBefore + " may be a record that was cut short";
                return seq + "prev does not match the hash of the record before (a record was removed or reordered)" + torn;
            }
            if (r.seq() != expected) {
                return "seq " + r.seq() + " follows seq " + lastSeq;
            }
            return null;
        }

        private boolean broken(Path file, long line, Long seq, String what) {
            brokenFile = file.toString();
            brokenLine = line;
            brokenSeq = seq;
            problem = what;
            return false;
        }

        Result result() {
            if (anchors != null && problem == null) {
                anchoredEnd();
            }
            return new Result(problem == null, records, files, brokenFile, brokenLine, brokenSeq, problem,
                    records == 0 ? 0 : firstSeq, records == 0 ? 0 : lastSeq, warnings, torn);
        }
    }

    /** Splits a stream into lines at {@code \n}, however long they are. */
    private static final class Lines {
        private final InputStream in;
        private final byte[] chunk = new byte[1 << 16];
        private int chunkPos;
        private int chunkEnd;
        private byte[] line = new byte[8192];
        private int length;
        private boolean terminated;
        private boolean eof;

        Lines(InputStream in) {
            this.in = in;
        }

        /** Reads the next line; false at the end of the stream. A final newline does not start another line. */
        boolean next() throws IOException {
            if (eof) {
                return false;
            }
            length = 0;
            while (true) {
                if (chunkPos == chunkEnd) {
                    chunkEnd = in.read(chunk);
                    chunkPos = 0;
                    if (chunkEnd < 0) {
                        chunkEnd = 0;
                        eof = true;
                        terminated = false;
                        return length > 0;
                    }
                }
                int from = chunkPos;
                while (chunkPos < chunkEnd && chunk[chunkPos] != '\n') {
                    chunkPos++;
                }
                append(from, chunkPos - from);
                if (chunkPos < chunkEnd) {
                    chunkPos++;
                    terminated = true;
                    return true;
                }
            }
        }

        private void append(int from, int n) {
            if (length + n > line.length) {
                line = Arrays.copyOf(line, Math.max(length + n, line.length * 2));
            }
            System.arraycopy(chunk, from, line, length, n);
            length += n;
        }

        byte[] bytes() {
            return line;
        }

        int length() {
            return length;
        }

        boolean terminated() {
            return terminated;
        }
    }
}
