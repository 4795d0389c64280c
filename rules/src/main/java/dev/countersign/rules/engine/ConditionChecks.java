package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Conditions that could only fail open or fail at run time, refused when the bundle compiles (on the
 * text, comments blanked, positions kept, string literals skipped): a null test on a list property
 * ({@code roles}, {@code groups}, {@code complianceTags} are empty lists when the caller sent nothing
 * or null, never null, so {@code complianceTags == null} would never hold), and a {@code finds}
 * literal that is not a valid regular expression.
 */
final class ConditionChecks {
    /** The list properties of the facts, to the fact that has each. */
    private static final Map<String, String> LISTS = Map.of("roles", "Actor", "groups", "Actor", "complianceTags", "Context");
    private static final String LIST = "(roles|groups|complianceTags)";
    private static final Pattern LIST_NULL_TEST = Pattern.compile(
            "(?<![\\w$\"'])" + LIST + "\\s*(?:==|!=)\\s*null\\b|\\bnull\\s*(?:==|!=)\\s*(?:[\\w$]+\\s*\\.\\s*)*" + LIST + "\\b");
    private static final Pattern FINDS_LITERAL = Pattern.compile(
            "\\bfinds\\s+(?:\"((?:[^\"\\\\\\n]|\\\\.)*)\"|'((?:[^'\\\\\\n]|\\\\.)*)')");

    private ConditionChecks() {
    }

    /** Adds what is wrong in {@code text} (the file's text, comments blanked) to {@code errors}. */
    static void check(SourceFile file, String text, List<PolicyError> errors) {
        String code = SourceChecks.blankStrings(text);
        Matcher n = LIST_NULL_TEST.matcher(code);
        while (n.find()) {
            int group = n.group(1) != null ? 1 : 2;
            String property = n.group(group);
            errors.add(SourceChecks.at(file, text, n.start(group), LISTS.get(property) + "." + property
                    + " is a list, never null: a list the caller did not send, or sent as null, is empty; write "
                    + property + ".isEmpty() (or !" + property + ".isEmpty())"));
        }
        Matcher f = FINDS_LITERAL.matcher(text);
        while (f.find()) {
            if (code.charAt(f.start()) != text.charAt(f.start())) {
                continue; // the word is inside a string literal
            }
            int group = f.group(1) != null ? 1 : 2;
            try {
                Pattern.compile(unescape(f.group(group)));
            } catch (IllegalArgumentException e) { // PatternSyntaxException, or a malformed \\u escape
                String why = e instanceof PatternSyntaxException p ? p.getDescription() : e.getMessage();
                errors.add(SourceChecks.at(file, text, f.start(group) - 1, "the pattern of 'finds' is not a regular expression: " + why));
            }
        }
    }

    /** The value of a string literal's body, with Java's escapes. */
    static String unescape(String body) {
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 == body.length()) {
                out.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    if (i + 4 >= body.length()) {
                        throw new IllegalArgumentException("an incomplete \\u escape");
                    }
                    out.append((char) Integer.parseInt(body.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(e);
            }
        }
        return out.toString();
    }
}
