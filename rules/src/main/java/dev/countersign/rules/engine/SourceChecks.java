package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.bundle.SourceFile;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks of a rule file that Drools would only notice when a rule fires, made up front on the text
 * (comments blanked, positions kept): literal data paths must exist in the bundle's data with the
 * kind asked for; literal {@code requireApproval} arguments must be a group, a quorum of at least 1
 * and a positive ISO-8601 ttl; consequences must not change the facts being decided
 * ({@code insert}, {@code modify}, {@code update}, {@code delete}, {@code retract}), since a decision
 * is a pure function of its input; and an untyped attribute must not be ordered
 * ({@code attributes["rows"] > 10}): MVEL would coerce a string, a boolean or a list silently, so a
 * malformed value could skip a limit; {@code number("rows")} fails closed instead. Conditions that
 * could only fail open (a null test on a list) or that hold an invalid {@code finds} pattern are
 * {@link ConditionChecks}'. What rules may call at all, purity included, is {@link RuleSandbox}'s to check.
 */
final class SourceChecks {
    private static final String STRING = "\"((?:[^\"\\\\]|\\\\.)*)\"";
    private static final Pattern DATA_CALL = Pattern.compile("\\bdata\\s*\\.\\s*(get|has|list|number|string)\\s*\\(\\s*" + STRING + "\\s*\\)");
    private static final Pattern APPROVAL_CALL = Pattern.compile(
            "\\brequireApproval\\s*\\(\\s*" + STRING + "\\s*,\\s*(-?\\d+)\\s*,\\s*" + STRING + "(?=\\s*,)");
    private static final Pattern FACT_CHANGE = Pattern.compile("(?<![\\w.$])(insert|insertLogical|modify|update|delete|retract)\\s*\\(");
    private static final Pattern CONSEQUENCE = Pattern.compile("(?m)^\\s*then\\b([\\s\\S]*?)^\\s*end\\b");
    private static final Pattern ORDERED_ATTRIBUTE = Pattern.compile(
            "\\battributes\\s*\\[\\s*\"([^\"]*)\"\\s*\\]\\s*(<=|>=|<|>)|(<=|>=|<|>)\\s*(?:\\$?\\w+\\s*\\.\\s*)?attributes\\s*\\[\\s*\"([^\"]*)\"");

    private SourceChecks() {
    }

    /** Adds what is wrong in {@code file} to {@code errors}; data paths are not checked when {@code data} is null. */
    static void check(SourceFile file, BundleData data, List<PolicyError> errors) {
        String text = blankComments(file.text());
        Matcher m = DATA_CALL.matcher(text);
        while (data != null && m.find()) {
            String method = m.group(1);
            String path = m.group(2);
            if (method.equals("has")) {
                continue;
            }
            String kind = data.kindOf(path);
            if (kind == null) {
                errors.add(at(file, text, m.start(2) - 1, "data path \"" + path + "\" is not defined in the bundle's data documents"));
            } else {
                String wanted = switch (method) {
                    case "list" -> "a list";
                    case "number" -> "a number";
                    case "string" -> "a string";
                    default -> null;
                };
                if (wanted != null && !wanted.equals(kind)) {
                    errors.add(at(file, text, m.start(2) - 1, "data path \"" + path + "\" is " + kind + ", not " + wanted
                            + " as data." + method + " expects"));
                }
            }
        }
        Matcher a = APPROVAL_CALL.matcher(text);
        while (a.find()) {
            if (a.group(1).isBlank()) {
                errors.add(at(file, text, a.start(1) - 1, "requireApproval needs a group name"));
            }
            if (Long.parseLong(a.group(2)) < 1) {
                errors.add(at(file, text, a.start(2), "requireApproval needs a quorum of at least 1, got " + a.group(2)));
            }
            try {
                Verdicts.parseTtl(a.group(3));
            } catch (IllegalArgumentException e) {
                errors.add(at(file, text, a.start(3) - 1, e.getMessage()));
            }
        }
        String code = blankStrings(text);
        Matcher o = ORDERED_ATTRIBUTE.matcher(text);
        while (o.find()) {
            int at = o.group(1) != null ? o.start() : o.start(3);
            if (code.charAt(at) == ' ' && text.charAt(at) != ' ') {
                continue; // inside a string literal
            }
            String key = o.group(1) != null ? o.group(1) : o.group(4);
            String operator = o.group(2) != null ? o.group(2) : o.group(3);
            errors.add(at(file, text, at, "attributes[\"" + key + "\"] is ordered with '"
                    + operator + "': a value that is not a number would be coerced or compared silently; write number(\""
                    + key + "\") so that it fails closed"));
        }
        Matcher c = CONSEQUENCE.matcher(code);
        while (c.find()) {
            Matcher f = FACT_CHANGE.matcher(code).region(c.start(1), c.end(1));
            while (f.find()) {
                errors.add(at(file, text, f.start(1), f.group(1) + "(...) changes the facts being decided; a consequence may"
                        + " only say allow, deny or requireApproval"));
            }
        }
        ConditionChecks.check(file, text, errors);
    }

    static PolicyError at(SourceFile file, String text, int offset, String message) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new PolicyError(file.path(), line, offset - lineStart + 1, message);
    }

    /** The text with the contents of string literals replaced by spaces, quotes and positions kept. */
    static String blankStrings(String text) {
        return blank(text, false, true);
    }

    /** The text with comments replaced by spaces (newlines kept), string literals untouched. */
    static String blankComments(String text) {
        return blank(text, true, false);
    }

    /** One pass over DRL text that knows string literals and comments apart, blanking those asked for. */
    private static String blank(String text, boolean comments, boolean strings) {
        StringBuilder out = new StringBuilder(text);
        int i = 0;
        int n = text.length();
        while (i < n) {
            char ch = text.charAt(i);
            if (ch == '"' || ch == '\'') {
                int j = i + 1;
                while (j < n && text.charAt(j) != ch && text.charAt(j) != '\n') {
                    int step = text.charAt(j) == '\\' ? 2 : 1;
                    for (int k = j; strings && k < Math.min(j + step, n); k++) {
                        out.setCharAt(k, ' ');
                    }
                    j += step;
                }
                i = j + 1;
            } else if (ch == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                int end = text.indexOf('\n', i);
                end = end < 0 ? n : end;
                for (; i < end; i++) {
                    if (comments) {
                        out.setCharAt(i, ' ');
                    }
                }
            } else if (ch == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (; i < end; i++) {
                    if (comments && text.charAt(i) != '\n') {
                        out.setCharAt(i, ' ');
                    }
                }
            } else {
                i++;
            }
        }
        return out.toString();
    }
}
