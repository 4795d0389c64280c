package dev.countersign.rules.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one constraint of a pattern ({@code name == "a" && command matches "x"}) into {@link Atom}s.
 *
 * <p>Contract: only the simple forms are read — {@code [$binding :] property [operator operand]},
 * with the operators {@code == != < <= > >= matches not matches finds not finds}, an operand that is
 * a literal or a {@code $binding}, joined by top-level {@code &&}. A conjunct in any other form (a
 * method call, arithmetic, {@code memberOf}, a nested parenthesis) is left out, and the reading is
 * then incomplete; a constraint with a top-level {@code ||} yields no atom at all. The lints draw
 * conclusions only from atoms, so text not understood never causes a finding.
 */
final class ConstraintReader {
    private static final String STRING = "\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'";
    private static final Pattern ATOM = Pattern.compile(
            "(?:(\\$?[A-Za-z_]\\w*)\\s*:\\s*)?"
                    + "([A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*)*|attributes\\s*\\[\\s*(?:" + STRING + ")\\s*])"
                    + "(?:\\s*(==|!=|<=|>=|<|>|not\\s+matches\\b|matches\\b|not\\s+finds\\b|finds\\b)\\s*"
                    + "(" + STRING + "|-?\\d+(?:\\.\\d+)?[lLdDfF]?|true|false|null|\\$[A-Za-z_]\\w*))?",
            Pattern.DOTALL);

    private ConstraintReader() {
    }

    /** What was read of one constraint; {@code complete} when every conjunct was. */
    record Reading(List<Atom> atoms, boolean complete) {
    }

    /** Reads {@code expression}, which starts at {@code start} in {@code source} (-1 when unknown: atoms are then placed at {@code fallbackLine:fallbackColumn}). */
    static Reading read(String expression, int start, SourceText source, int fallbackLine, int fallbackColumn) {
        List<int[]> conjuncts = conjuncts(expression);
        if (conjuncts == null) {
            return new Reading(List.of(), false);
        }
        boolean positioned = start >= 0 && source.at(start, expression);
        List<Atom> atoms = new ArrayList<>();
        boolean complete = true;
        for (int[] range : conjuncts) {
            String text = expression.substring(range[0], range[1]);
            Matcher m = ATOM.matcher(text);
            if (!m.matches() || (m.group(1) == null && m.group(3) == null)) {
                complete = false; // a bare property (a boolean test) or a form not read
                continue;
            }
            int line = positioned ? source.line(start + range[0]) : fallbackLine;
            int column = positioned ? source.column(start + range[0]) : fallbackColumn;
            String operator = m.group(3) == null ? null : m.group(3).replaceAll("\\s+", " ");
            Operand operand = m.group(4) == null ? null : Operand.parse(m.group(4));
            atoms.add(new Atom(m.group(1), m.group(2).replaceAll("\\s+", ""), operator, operand, line, column));
        }
        return new Reading(atoms, complete);
    }

    /** The trimmed ranges between top-level {@code &&}; null when there is a top-level {@code ||}. */
    private static List<int[]> conjuncts(String s) {
        List<int[]> ranges = new ArrayList<>();
        int depth = 0;
        int from = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && i + 1 < s.length() && s.charAt(i + 1) == c && (c == '&' || c == '|')) {
                if (c == '|') {
                    return null;
                }
                ranges.add(trim(s, from, i));
                from = i + 2;
                i++;
            }
        }
        ranges.add(trim(s, from, s.length()));
        return ranges;
    }

    private static int[] trim(String s, int from, int to) {
        while (from < to && Character.isWhitespace(s.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
            to--;
        }
        return new int[]{from, to};
    }
}
