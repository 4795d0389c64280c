package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.drl.parser.ParserError;
import org.kie.api.io.Resource;
import org.kie.internal.builder.KnowledgeBuilderResult;

/**
 * Turns Drools' build messages into {@link PolicyError}s an author can act on: the author's file and
 * line (and column where known), without engine class names, generated class names or the parser's
 * repeated position prefix.
 */
final class BuildErrors {
    private static final Pattern PARSER_PREFIX = Pattern.compile("^\\[ERR \\d+\\] Line \\d+:\\d+ ");
    private static final Pattern UNKNOWN_PROPERTY = Pattern.compile(
            "unable to resolve method using strict-mode: ([\\w.$]+)\\.(\\w+)\\(\\)");
    private static final Pattern ANALYSE = Pattern.compile("^Unable to Analyse Expression (.*?):\\s*$", Pattern.MULTILINE);
    private static final Pattern MVEL_ERROR = Pattern.compile("\\[Error: ([^\\]]*)\\]");
    private static final Pattern GENERATED_TYPE = Pattern.compile(" for the type Rule_[\\w$]+");
    private static final Pattern UNDEFINED_METHOD = Pattern.compile("The method (\\w+)\\(");
    private static final Pattern NOT_RESOLVED = Pattern.compile("^(\\w+) cannot be resolved");
    private static final Pattern UNKNOWN_TYPE = Pattern.compile("Unable to resolve ObjectType '([\\w$.]+)'");
    private static final Pattern CHAR_ARGUMENT = Pattern.compile("not applicable for the arguments \\(([^)]*, )?char(, [^)]*)?\\)");

    private BuildErrors() {
    }

    /** Whether the message is noise that accompanies a parse error already reported. */
    static boolean isNoise(KnowledgeBuilderResult r) {
        return r.getMessage() != null && r.getMessage().startsWith("Parser returned a null Package");
    }

    /** A parser's error, at its place in {@code file}. */
    static PolicyError translate(KnowledgeBuilderResult r, Map<Resource, SourceFile> files, SourceFile file) {
        return translate(r, files, file, null).get(0);
    }

    /**
     * The errors one build message stands for (a consequence's message lists every error the Java
     * compiler found in it, one a line), each with the hint {@code vocabulary} knows, where it has one.
     */
    static List<PolicyError> translate(KnowledgeBuilderResult r, Map<Resource, SourceFile> files, SourceFile fallback,
            Vocabulary vocabulary) {
        SourceFile file = r.getResource() == null ? null : files.get(r.getResource());
        if (file == null) {
            file = fallback;
        }
        String path = file == null ? "." : file.path();
        int[] lines = r.getLines();
        int line = lines != null && lines.length > 0 ? Math.max(lines[0], 0) : 0;
        int column = 0;
        String message = r.getMessage() == null ? "error" : r.getMessage().trim();
        if (r instanceof ParserError pe) {
            line = Math.max(pe.getRow(), 0);
            column = pe.getCol() >= 0 && line > 0 ? pe.getCol() + 1 : 0;
            message = PARSER_PREFIX.matcher(message).replaceFirst("");
            return List.of(new PolicyError(path, line, column, clean(message) + unclosedCondition(file, line, message)));
        }
        Matcher unknown = UNKNOWN_PROPERTY.matcher(message);
        Matcher analyse = ANALYSE.matcher(message);
        if (unknown.find()) {
            String type = simpleName(unknown.group(1));
            String property = unknown.group(2);
            String expression = analyse.find() ? analyse.group(1).trim() : null;
            column = columnOf(file, line, property, expression);
            message = type + " has no property '" + property + "'" + (expression == null ? "" : " (in: " + expression + ")")
                    + (vocabulary == null ? "" : vocabulary.unknownPropertyHint(type, property));
            return List.of(new PolicyError(path, line, column, message));
        }
        if (analyse.find()) {
            Matcher detail = MVEL_ERROR.matcher(message);
            String expression = analyse.group(1).trim();
            if (line == 0) {
                line = lineOf(file, expression);  // Drools gives no line for some of its own type checks
            }
            column = columnOf(file, line, null, expression);
            message = "cannot evaluate '" + expression + "'" + (detail.find() ? ": " + detail.group(1) : "");
            return List.of(new PolicyError(path, line, column, clean(message) + ConditionTypes.hint(message)));
        }
        Matcher objectType = UNKNOWN_TYPE.matcher(message);
        if (objectType.find() && vocabulary != null) {
            String type = objectType.group(1);
            return List.of(new PolicyError(path, line, columnOf(file, line, type, null), vocabulary.unknownType(type)));
        }
        if (message.startsWith("Rule Compilation error")) {
            message = message.substring("Rule Compilation error".length()).trim();
            List<PolicyError> errors = new ArrayList<>();
            int ruleLine = line;
            for (String one : message.split("\\R")) {
                if (one.isBlank()) {
                    continue;
                }
                one = GENERATED_TYPE.matcher(one).replaceAll("");
                int[] at = placeOfToken(file, ruleLine, one);
                errors.add(new PolicyError(path, at[0] > 0 ? at[0] : ruleLine, at[1],
                        "in a consequence: " + clean(one) + consequenceHint(one, vocabulary)));
            }
            return errors;
        }
        return List.of(new PolicyError(path, line, column, clean(firstLine(message))));
    }

    /**
     * For the parser's {@code mismatched input 'then'}: where a parenthesis of the conditions before
     * {@code line} is left open (the parser meets {@code then} inside it), else empty.
     */
    private static String unclosedCondition(SourceFile file, int line, String message) {
        if (file == null || line <= 0 || !message.startsWith("mismatched input 'then'")) {
            return "";
        }
        String[] lines = SourceChecks.blankStrings(SourceChecks.blankComments(file.text())).split("\n", -1);
        int when = line - 2;
        while (when >= 0 && !lines[when].trim().startsWith("when")) {
            when--;
        }
        int open = 0;
        int openedAt = 0;
        for (int i = Math.max(when, 0); i < line - 1 && i < lines.length; i++) {
            for (char c : lines[i].toCharArray()) {
                if (c == '(' && open++ == 0) {
                    openedAt = i + 1;
                } else if (c == ')' && open > 0) {
                    open--;
                }
            }
        }
        return when >= 0 && open > 0 ? "; the '(' opened at line " + openedAt + " is not closed" : "";
    }

    /** What to write instead, for the Java compiler's errors whose cause is known. */
    private static String consequenceHint(String message, Vocabulary vocabulary) {
        Matcher undefined = UNDEFINED_METHOD.matcher(message);
        if (vocabulary != null && undefined.find() && message.contains(" is undefined")) {
            return vocabulary.unknownFunctionHint(undefined.group(1));
        }
        if (CHAR_ARGUMENT.matcher(message).find()) {
            return "; in a consequence (Java) a single-quoted literal of one character is a char, not a string: write"
                    + " double quotes (\"x\")";
        }
        return "";
    }

    /** Removes engine package names from type names in a message. */
    static String clean(String message) {
        return message.replace("dev.countersign.rules.model.", "")
                .replace("dev.countersign.rules.bundle.", "")
                .replace("dev.countersign.rules.engine.", "")
                .replaceAll("\\s+", " ")
                .trim();
    }

    private static String simpleName(String type) {
        String s = type.substring(type.lastIndexOf('.') + 1);
        return s.substring(s.lastIndexOf('$') + 1);
    }

    static String firstLine(String message) {
        int cut = message.indexOf('\n');
        return cut < 0 ? message : message.substring(0, cut);
    }

    /** The 1-based column of {@code property} within {@code expression} on {@code line}, else of the expression, else 0. */
    private static int columnOf(SourceFile file, int line, String property, String expression) {
        String source = line(file, line);
        if (source == null) {
            return 0;
        }
        int at = expression == null ? -1 : source.indexOf(expression);
        if (property != null) {
            Matcher m = Pattern.compile("(?<![\\w.$])" + Pattern.quote(property) + "(?!\\w)").matcher(source);
            if (m.find(Math.max(at, 0))) {
                return m.start() + 1;
            }
        }
        return at < 0 ? 0 : at + 1;
    }

    /** For a consequence error naming a method or a variable, the line and column from {@code ruleLine} on where it appears; 0s when not found. */
    private static int[] placeOfToken(SourceFile file, int ruleLine, String message) {
        Matcher m = UNDEFINED_METHOD.matcher(message);
        Matcher n = NOT_RESOLVED.matcher(message);
        String token = m.find() ? m.group(1) + "(" : n.find() ? n.group(1) : null;
        if (token == null || file == null || ruleLine <= 0) {
            return new int[] {0, 0};
        }
        Pattern tokenPattern = Pattern.compile("(?<![\\w.$])" + Pattern.quote(token) + (token.endsWith("(") ? "" : "(?![\\w$])"));
        String[] lines = file.text().split("\n", -1);
        boolean inConsequence = false;
        for (int i = ruleLine - 1; i < lines.length; i++) {
            String text = lines[i].trim();
            if (text.startsWith("then")) {
                inConsequence = true;
            } else if (text.equals("end") || text.startsWith("end ")) {
                return new int[] {0, 0};
            }
            Matcher at = tokenPattern.matcher(lines[i]);
            if (inConsequence && at.find()) {
                return new int[] {i + 1, at.start() + 1};
            }
        }
        return new int[] {0, 0};
    }

    /** The first line of {@code file} that holds {@code expression}, else 0. */
    private static int lineOf(SourceFile file, String expression) {
        if (file == null) {
            return 0;
        }
        List<String> lines = file.text().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(expression)) {
                return i + 1;
            }
        }
        return 0;
    }

    private static String line(SourceFile file, int line) {
        if (file == null || line <= 0) {
            return null;
        }
        List<String> lines = file.text().lines().toList();
        return line <= lines.size() ? lines.get(line - 1) : null;
    }
}
