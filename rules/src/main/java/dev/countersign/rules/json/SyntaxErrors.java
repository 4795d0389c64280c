package dev.countersign.rules.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Says why a JSON or YAML document does not parse without quoting any of it. Jackson's and
 * SnakeYAML's own messages quote the offending token or show the offending line ("Unrecognized
 * token 'xyz'"), and a bundle's data, rule-test and manifest files may hold what the clients who
 * read compile errors must not see; the place ({@code line:column}) is reported beside this text.
 */
public final class SyntaxErrors {
    private static final List<Map.Entry<Pattern, String>> JSON = List.of(
            rule("^Unexpected character .*expected a (valid )?value", "unexpected character where a value was expected"),
            rule("^Unexpected character .*comma", "unexpected character where a comma was expected"),
            rule("^Unexpected character .*double-quote to start field name", "unexpected character where a quoted key was expected"),
            rule("^Unexpected character .*colon", "unexpected character where a colon was expected"),
            rule("^Unexpected character", "unexpected character"),
            rule("^Unrecognized token", "a word that is not a JSON value; strings must be quoted"),
            rule("^Unexpected end-of-input", "the document ends before what it opened is closed"),
            rule("^Unexpected close marker", "a closing bracket does not match the one it closes"),
            rule("^Illegal unquoted character", "a control character inside a string must be escaped"),
            rule("^Duplicate field", "a key appears twice in the same object"),
            rule("^(Invalid numeric value|Numeric value|Leading zeroes|Non-standard token|Invalid number)", "a number is malformed or out of range"),
            rule("^Unrecognized character escape", "a string contains an unknown escape sequence"),
            rule("(?i)UTF-8|UTF8", "the file is not UTF-8 text"),
            rule("(?i)nesting depth", "nested too deeply"));

    private static final List<Map.Entry<Pattern, String>> YAML = List.of(
            rule("cannot start any token", "a character that cannot start any YAML token (tabs cannot indent)"),
            rule("unknown escape character", "a string contains an unknown escape sequence"),
            rule("^Duplicate field", "a key appears twice in the same mapping"),
            rule("found undefined alias", "an alias names an anchor that is not defined"),
            rule("duplicate anchor", "an anchor is defined twice"),
            rule("(?i)nesting depth", "nested too deeply"));

    /** Quoted text in a SnakeYAML problem that is its own vocabulary, not the file's. */
    private static final Pattern OWN_TOKEN = Pattern.compile("'(<[a-z ]+>|[,:?\\-\\]\\[{}])'");
    private static final Pattern QUOTED = Pattern.compile("'[^']*'|\"[^\"]*\"");

    private SyntaxErrors() {
    }

    /** Where a document stops parsing (1-based; 0 when unknown) and why. */
    public record Syntax(int line, int column, String message) {
    }

    /**
     * The place of the problem (for YAML, SnakeYAML's mark of the problem rather than the token
     * Jackson was at) and "not valid JSON: ..." or "not valid YAML: ..." in words of its own.
     */
    public static Syntax describe(JsonProcessingException e, boolean yaml) {
        int line = 0;
        int column = 0;
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            line = m.getProblemMark().getLine() + 1;
            column = m.getProblemMark().getColumn() + 1;
        } else if (e.getLocation() != null) {
            line = Math.max(e.getLocation().getLineNr(), 0);
            column = Math.max(e.getLocation().getColumnNr(), 0);
        }
        return new Syntax(line, column, message(e, yaml));
    }

    private static String message(JsonProcessingException e, boolean yaml) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        String format = yaml ? "YAML" : "JSON";
        for (Map.Entry<Pattern, String> r : yaml ? YAML : JSON) {
            if (r.getKey().matcher(message).find()) {
                return "not valid " + format + ": " + r.getValue();
            }
        }
        if (yaml) {
            String problem = yamlProblem(message);
            if (problem != null) {
                return "not valid YAML: " + problem;
            }
        }
        return "not valid " + format + " here";
    }

    /**
     * SnakeYAML's problem line ("mapping values are not allowed here", "expected ',' or ']', but got
     * &lt;stream end&gt;"), without the lines it shows from the file, and only if all it quotes is
     * its own vocabulary.
     */
    private static String yamlProblem(String message) {
        String problem = null;
        for (String line : message.split("\n")) {
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("while ")) {
                problem = line.trim();
            }
        }
        if (problem == null || QUOTED.matcher(OWN_TOKEN.matcher(problem).replaceAll("")).find()) {
            return null;
        }
        return problem;
    }

    private static Map.Entry<Pattern, String> rule(String regex, String text) {
        return Map.entry(Pattern.compile(regex), text);
    }
}
