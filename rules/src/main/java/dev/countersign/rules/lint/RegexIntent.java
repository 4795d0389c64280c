package dev.countersign.rules.lint;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code matches} (a whole-string match) where a search was likely meant. Flagged: {@code matches} or
 * {@code not matches} with a literal pattern on a free-text property, {@code Action}'s {@code command}
 * or {@code intent}, when the pattern shows no sign of being about the whole text: after any leading
 * inline flags such as {@code (?i)}, it neither starts with {@code ^}, {@code \A}, {@code .*} or
 * {@code .+}, nor ends with {@code $}, {@code \z}, {@code \Z}, {@code .*} or {@code .+}. Anchoring the
 * pattern ({@code "^ls( -l)?$"}) says a whole match is meant and silences the lint. Other properties
 * (names, ids, regions) hold single tokens, where a whole match is the usual intent, and are not checked.
 */
final class RegexIntent {
    private static final Set<String> FREE_TEXT = Set.of("command", "intent");
    private static final Pattern FLAGS = Pattern.compile("^(\\(\\?[a-zA-Z]+\\))+");
    private static final Pattern OPEN_START = Pattern.compile("^(\\^|\\\\A|\\.\\*|\\.\\+)");
    private static final Pattern OPEN_END = Pattern.compile("((?<!\\\\)\\$|\\\\[zZ]|(?<!\\\\)\\.\\*|(?<!\\\\)\\.\\+)$");

    private RegexIntent() {
    }

    static void check(LintedRule rule, List<LintFinding> out) {
        for (LintedRule.PartPattern p : rule.patterns()) {
            if (!p.type().equals("Action")) {
                continue;
            }
            for (Atom a : p.atoms()) {
                if (a.operator() == null || !a.operator().endsWith("matches") || a.operand().kind() != Operand.Kind.STRING
                        || !FREE_TEXT.contains(a.property())) {
                    continue;
                }
                String regex = FLAGS.matcher((String) a.operand().value()).replaceFirst("");
                if (OPEN_START.matcher(regex).find() || OPEN_END.matcher(regex).find()) {
                    continue;
                }
                String search = a.operator().startsWith("not") ? "not finds" : "finds";
                out.add(new LintFinding(rule.file(), a.line(), a.column(), rule.name(), Lint.WHOLE_STRING_MATCH,
                        "Action( " + a.text() + " ) tests whether the whole " + a.property() + " matches the pattern, not whether the pattern occurs in it",
                        "to search the text write " + a.property() + " " + search + " " + a.operand()
                                + "; to match the whole text on purpose, anchor the pattern with ^ and $"));
            }
        }
    }
}
