package dev.countersign.pdp.evidence;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code audit search}: the decisions and approval events of an audit log that a query takes, newest
 * first, streamed (a file at a time; only one file's matches are held). As JSON, each record exactly
 * as written (one per line, with its seq, prev and hash, so a result can be checked against the
 * chain); as a table, one line per record, every cell stripped of control characters (records hold
 * callers' and reviewers' text, which must not drive a terminal) and cut to fit.
 */
public final class AuditSearch {
    /** How the results are printed. */
    public enum Format { JSON, TABLE }

    private static final String[] HEADER = {"TIME", "RECORD", "ID", "VERDICT", "ACTOR", "ACTION", "REVIEWER", "RULES", "CONTROLS", "AT"};
    private static final int CELL = 40;

    private AuditSearch() {
    }

    /** Prints what {@code query} takes from the log at {@code path}, newest first, at most {@code limit} (0: all); answers how many. */
    public static long run(Path path, AuditQuery query, Format format, long limit, PrintWriter out) throws IOException {
        List<Path> files = AuditStream.files(path);
        long[] count = {0};
        if (format == Format.TABLE) {
            out.println(String.join("\t", HEADER));
        }
        AuditStream.newestFirst(files, query.worth(), query::matches, e -> {
            out.println(format == Format.JSON ? e.line : row(e));
            count[0]++;
            return limit <= 0 || count[0] < limit;
        });
        out.flush();
        return count[0];
    }

    private static String row(AuditEntry e) {
        boolean decision = e.kind == AuditEntry.Kind.DECISION;
        String id = decision ? e.decisionId : e.approvalId;
        String reviewer = e.reviewer != null ? e.reviewer : e.decidedBy;
        String[] cells = {String.valueOf(e.time), decision ? "decision" : "approval:" + e.event, id,
                decision ? e.verdict : e.outcome != null ? e.outcome : e.status, e.actor, e.action, reviewer,
                String.join(", ", e.rules), String.join(", ", e.controls), e.file + ":" + e.lineNumber};
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                b.append('\t');
            }
            b.append(cell(cells[i], i == cells.length - 1 ? 200 : CELL));
        }
        return b.toString();
    }

    /** The text as a table cell: "-" when absent, control characters and tabs as '?', cut with an ellipsis. */
    static String cell(String s, int max) {
        if (s == null || s.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max + 1));
        s.codePoints().limit(max + 1L).forEach(c -> b.appendCodePoint(Character.isISOControl(c) || c == 0x2028 || c == 0x2029
                || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ? '?' : c));
        return b.codePointCount(0, b.length()) > max ? b.substring(0, b.offsetByCodePoints(0, max - 1)) + "…" : b.toString();
    }
}
