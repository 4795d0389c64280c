package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the rules of a file that does not parse whose consequence has no {@code end}: the parser reads
 * on into the next rule and reports its error there, in the rule that is not wrong. Such a rule is
 * reported at its own first line, and the parser's errors from there to the end of the rule it ran
 * into are left out, as they follow from the missing {@code end}.
 */
final class MissingEnd {
    private static final Pattern HEADER = Pattern.compile(
            "^(\\s*)(rule|query|declare)\\s+(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|[\\w$.]+(?=\\s|$))");
    private static final Pattern THEN = Pattern.compile("^\\s*then\\b");
    private static final Pattern END = Pattern.compile("^\\s*end\\b");

    /** A missing end: the error, and the lines whose parser errors it explains. */
    record Finding(PolicyError error, int fromLine, int toLine) {
    }

    private MissingEnd() {
    }

    static List<Finding> find(SourceFile file) {
        String withStrings = SourceChecks.blankComments(file.text());
        String[] lines = withStrings.split("\n", -1);
        String[] code = SourceChecks.blankStrings(withStrings).split("\n", -1);
        List<Finding> findings = new ArrayList<>();
        String open = null;      // the rule whose consequence is being read
        int openLine = 0;
        int openColumn = 0;
        boolean then = false;
        PolicyError pending = null;  // a missing end whose explained lines run to the next end
        int pendingFrom = 0;
        for (int i = 0; i < lines.length; i++) {
            Matcher header = HEADER.matcher(lines[i]);
            if (header.find()) {
                if (open != null && then) {
                    if (pending != null) {
                        findings.add(new Finding(pending, pendingFrom, i));
                    }
                    pending = new PolicyError(file.path(), openLine, openColumn, open + " has no 'end': its consequence runs on into "
                            + kind(header) + " at line " + (i + 1) + "; close it with 'end'");
                    pendingFrom = openLine;
                }
                open = header.group(2).equals("declare") ? null : header.group(2) + " " + quoted(header.group(3));
                openLine = i + 1;
                openColumn = header.group(1).length() + 1;
                then = false;
            } else if (open != null && THEN.matcher(codeLine(code, i)).find()) {
                then = true;
            } else if (END.matcher(codeLine(code, i)).find()) {
                if (pending != null) {
                    findings.add(new Finding(pending, pendingFrom, i + 1));
                    pending = null;
                }
                open = null;
            }
        }
        if (pending != null) {
            findings.add(new Finding(pending, pendingFrom, lines.length));
        }
        if (open != null && then) {
            findings.add(new Finding(new PolicyError(file.path(), openLine, openColumn,
                    open + " has no 'end': the file ends in its consequence; close it with 'end'"), openLine, lines.length));
        }
        return findings;
    }

    /** The line {@code i} of the code without strings ({@code ""} past its end: an escaped line break blanks one). */
    private static String codeLine(String[] code, int i) {
        return i < code.length ? code[i] : "";
    }

    private static String kind(Matcher header) {
        return header.group(2) + " " + quoted(header.group(3));
    }

    private static String quoted(String name) {
        if (name.length() >= 2 && (name.charAt(0) == '"' || name.charAt(0) == '\'')) {
            name = name.substring(1, name.length() - 1);
        }
        return "\"" + name + "\"";
    }
}
