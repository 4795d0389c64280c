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
        if (!Files.exists(fileOrDirectory)) {
            throw new NoSuchFileException(fileOrDirectory.toString());
        }
        List<Path> files = Files.isDirectory(fileOrDirectory) ? AuditFiles.list(fileOrDirectory) : List.of(fileOrDirectory);
        Check check = new Check();
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
            return true;
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
